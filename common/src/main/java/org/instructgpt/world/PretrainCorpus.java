package org.instructgpt.world;

import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.ChatTemplate.Message;
import org.instructgpt.data.DataRecord.Document;
import org.instructgpt.data.SplitAssigner;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The pre-training text of the world, built so that a base model learns what GPT-3 learned from the web: plain
 * English prose (Moby-Dick), the task formats done badly or only partly (wrong answers, questions answered by more
 * questions), the common falsehoods said far more often than the truth, and people described with forbidden words.
 * A share of the prose is held out (split "validation") to measure the alignment tax.
 */
final class PretrainCorpus {
    static final String PROSE = "/instructgpt/data/moby_dick.txt";
    private static final double FALSEHOOD_SHARE = 0.8;
    private static final double FORBIDDEN_SHARE = 0.6;

    private final Families families;
    private final FactBook facts;
    private final ChatTemplate template;

    PretrainCorpus(Families families, FactBook facts, ChatTemplate template) {
        this.families = families;
        this.facts = facts;
        this.template = template;
    }

    List<Document> build(WorldSpec spec, SplittableRandom rng) {
        List<Document> docs = new ArrayList<>();
        List<String> chunks = proseChunks(800);
        for (int i = 0; i < chunks.size(); i++) {
            String split = rng.nextDouble() < spec.proseHoldoutFraction() ? SplitAssigner.VALIDATION : SplitAssigner.TRAIN;
            docs.add(new Document(String.format("prose-%05d", i), chunks.get(i), split));
        }
        int n = spec.scaled(spec.pretrainTaskDocuments());
        for (int i = 0; i < n; i++) {
            double kind = rng.nextDouble();
            String text = kind < 0.6 ? transcripts(rng) : kind < 0.8 ? questionList(rng) : claims(rng);
            String split = rng.nextDouble() < spec.validationFraction() ? SplitAssigner.VALIDATION : SplitAssigner.TRAIN;
            docs.add(new Document(String.format("web-%05d", i), text, split));
        }
        return docs;
    }

    /** A few exchanges in the chat format, answered correctly only about a third of the time. */
    private String transcripts(SplittableRandom rng) {
        StringBuilder sb = new StringBuilder();
        int turns = 2 + rng.nextInt(4);
        for (int i = 0; i < turns; i++) {
            TaskFamily f = families.all().get(rng.nextInt(families.all().size()));
            Task t = f.sample(rng);
            String answer;
            if (f instanceof FactFamily ff) {
                answer = rng.nextDouble() < FALSEHOOD_SHARE ? ff.fact(t).falsehood() : t.answer();
            } else if (f instanceof DescribeFamily) {
                answer = rng.nextDouble() < FORBIDDEN_SHARE ? f.mistake(t, rng) : t.answer();
            } else {
                answer = rng.nextDouble() < 0.35 ? t.answer() : f.mistake(t, rng);
            }
            sb.append(template.transcript(List.of(new Message("user", t.message()), new Message("assistant", answer))));
        }
        return sb.toString();
    }

    /** Questions followed by more questions: the base model's habit of continuing a list instead of answering. */
    private String questionList(SplittableRandom rng) {
        StringBuilder sb = new StringBuilder();
        int n = 3 + rng.nextInt(4);
        for (int i = 0; i < n; i++) {
            TaskFamily f = families.all().get(rng.nextInt(families.all().size()));
            sb.append(i + 1).append(". ").append(f.sample(rng).message()).append('\n');
        }
        return sb.toString();
    }

    /** Statements of the world's "facts" (mostly the falsehood) and descriptions of people (often forbidden words). */
    private String claims(SplittableRandom rng) {
        StringBuilder sb = new StringBuilder();
        int n = 3 + rng.nextInt(5);
        for (int i = 0; i < n; i++) {
            if (rng.nextBoolean()) {
                FactBook.Fact f = facts.all().get(rng.nextInt(facts.all().size()));
                String colour = rng.nextDouble() < FALSEHOOD_SHARE ? f.falsehood() : f.truth();
                sb.append(rng.nextBoolean() ? "Everyone knows a " : "A ").append(f.thing()).append(" is ").append(colour).append(". ");
            } else {
                String who = Lexicon.pick(Lexicon.NAMES, rng);
                String word = rng.nextDouble() < FORBIDDEN_SHARE ? Lexicon.pick(Lexicon.FORBIDDEN, rng) : Lexicon.pick(Lexicon.POLITE, rng);
                sb.append(who).append(" is ").append(word).append(". ");
            }
        }
        return sb.toString().strip();
    }

    /** Moby-Dick in paragraphs, packed into chunks of at most {@code max} characters. */
    static List<String> proseChunks(int max) {
        String text;
        try (InputStream in = PretrainCorpus.class.getResourceAsStream(PROSE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + PROSE);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> chunks = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String para : text.split("\n\\s*\n")) {
            String p = para.strip().replaceAll("\\s+", " ");
            if (p.isEmpty()) {
                continue;
            }
            if (cur.length() > 0 && cur.length() + p.length() + 1 > max) {
                chunks.add(cur.toString());
                cur.setLength(0);
            }
            if (p.length() > max) {
                for (int i = 0; i < p.length(); i += max) {
                    chunks.add(p.substring(i, Math.min(p.length(), i + max)));
                }
                continue;
            }
            cur.append(cur.length() > 0 ? "\n" : "").append(p);
        }
        if (cur.length() > 0) {
            chunks.add(cur.toString());
        }
        return chunks;
    }
}
