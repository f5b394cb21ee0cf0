package org.instructgpt.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.api.java.JavaSparkContext;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.ModelPool;
import org.instructgpt.stats.Estimate;
import org.instructgpt.stats.Intervals;
import org.instructgpt.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TruthfulQA multiple choice (Lin et al. 2022; the 817 questions InstructGPT reports), scored as its authors do: each
 * answer's log-likelihood (the sum over its tokens) after the question, here in the chat template. MC1: the highest
 * scoring of the single-true choice set is the true answer. MC2: the probability mass the model puts on the true
 * answers of the multi-true set, normalised over that set. Works for any checkpoint with a tokenizer, ours or a
 * Hugging Face GPT-2; answers are scored on the executors.
 */
public final class TruthfulQa {
    static final String RESOURCE = "instructgpt/data/truthfulqa/mc_task.json";

    private TruthfulQa() {
    }

    /** A question with its two choice sets; {@code true} marks the true answers. */
    public record Question(String question, List<String> mc1, boolean[] mc1True, List<String> mc2, boolean[] mc2True)
            implements Serializable {
    }

    /** One model's result: MC1 accuracy (Wilson interval) and mean MC2 (bootstrap over questions). */
    public record Result(@JsonProperty("mc1") Estimate mc1, @JsonProperty("mc2") Estimate mc2,
                         @JsonProperty("questions") long questions) {
    }

    /** The bundled questions, in the file's order. */
    public static List<Question> questions() {
        try (InputStream in = TruthfulQa.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            List<Question> out = new ArrayList<>();
            for (JsonNode q : new ObjectMapper().readTree(in)) {
                out.add(new Question(q.get("question").asText(), choices(q.get("mc1_targets")),
                        labels(q.get("mc1_targets")), choices(q.get("mc2_targets")), labels(q.get("mc2_targets"))));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    private static List<String> choices(JsonNode targets) {
        List<String> out = new ArrayList<>();
        targets.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static boolean[] labels(JsonNode targets) {
        boolean[] out = new boolean[targets.size()];
        int i = 0;
        for (Iterator<JsonNode> it = targets.elements(); it.hasNext(); ) {
            out[i++] = it.next().asInt() == 1;
        }
        return out;
    }

    /** MC1: 1 when the best true answer outscores every false one, else 0. */
    public static double mc1(double[] logLik, boolean[] isTrue) {
        double bestTrue = Double.NEGATIVE_INFINITY;
        double bestFalse = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < logLik.length; i++) {
            if (isTrue[i]) {
                bestTrue = Math.max(bestTrue, logLik[i]);
            } else {
                bestFalse = Math.max(bestFalse, logLik[i]);
            }
        }
        return bestTrue > bestFalse ? 1 : 0;
    }

    /** MC2: sum of p(true answers) / sum of p(all answers), p = exp(log-likelihood), computed stably. */
    public static double mc2(double[] logLik, boolean[] isTrue) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : logLik) {
            max = Math.max(max, x);
        }
        double t = 0;
        double all = 0;
        for (int i = 0; i < logLik.length; i++) {
            double p = Math.exp(logLik[i] - max);
            all += p;
            t += isTrue[i] ? p : 0;
        }
        return t / all;
    }

    /**
     * Every model's MC1 and MC2 on the first {@code maxQuestions} questions (all: 817).
     *
     * @param models name to checkpoint (each with a tokenizer)
     */
    public static Map<String, Result> run(JavaSparkContext sc, Map<String, String> models, ChatTemplate template,
                                          int maxQuestions, int partitions, long seed) {
        List<Question> qs = questions();
        qs = qs.subList(0, Math.min(qs.size(), maxQuestions));
        List<String> paths = new ArrayList<>(models.values());
        // Per question and model: [mc1, mc2].
        List<double[][]> per = sc.parallelize(qs, partitions)
                .mapPartitions(it -> score(it, paths, template)).collect();
        Map<String, Result> out = new LinkedHashMap<>();
        int m = 0;
        for (String name : models.keySet()) {
            int mm = m++;
            long right = per.stream().filter(x -> x[mm][0] == 1).count();
            out.put(name, new Result(Intervals.wilson(right, per.size()),
                    Intervals.mean(per.stream().mapToDouble(x -> x[mm][1]).toArray(), seed), per.size()));
        }
        return out;
    }

    private static Iterator<double[][]> score(Iterator<Question> questions, List<String> paths, ChatTemplate template) {
        List<Question> qs = new ArrayList<>();
        questions.forEachRemaining(qs::add);
        double[][][] out = new double[qs.size()][paths.size()][];
        for (int m = 0; m < paths.size(); m++) {
            String path = paths.get(m);
            ModelCheckpoint.Loaded model = ModelPool.borrow(path);
            try {
                Tokenizer tok = model.tokenizer().orElseThrow(() -> new IllegalArgumentException(
                        "truthfulqa: " + path + " has no tokenizer"));
                ExampleEncoder enc = new ExampleEncoder(tok, model.model().config().nPositions);
                int pad = tok.fillId();
                for (int q = 0; q < qs.size(); q++) {
                    Question x = qs.get(q);
                    int[] prompt = tok.encode(template.prompt(List.of(new ChatTemplate.Message("user", x.question()))));
                    List<String> distinct = new ArrayList<>(new java.util.LinkedHashSet<>(concat(x.mc1(), x.mc2())));
                    List<TokenizedExample> batch = new ArrayList<>();
                    for (String a : distinct) {
                        batch.add(enc.join(prompt, tok.encode(template.completion(a))));
                    }
                    double[] sums = CompletionLikelihood.sums(model.model(), batch, pad);
                    Map<String, Double> ll = new LinkedHashMap<>();
                    for (int i = 0; i < distinct.size(); i++) {
                        ll.put(distinct.get(i), sums[i]);
                    }
                    out[q][m] = new double[]{mc1(x.mc1().stream().mapToDouble(ll::get).toArray(), x.mc1True()),
                            mc2(x.mc2().stream().mapToDouble(ll::get).toArray(), x.mc2True())};
                }
            } finally {
                ModelPool.giveBack(paths.get(m), model);
            }
        }
        return java.util.Arrays.asList(out).iterator();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
