package org.instructgpt.label;

import org.instructgpt.data.Candidate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.generate.GenerationResult;
import org.instructgpt.generate.Generator;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.ModelPool;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.tokenizer.Tokenizer;
import org.instructgpt.util.Seeds;
import org.instructgpt.world.GoldJudge;
import org.instructgpt.world.LabelerPool;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One partition's share of labeling: for each prompt, K samples of the policy (each from the prompt's own seed, so a
 * sample does not depend on its batch, its partition or a task retry), the distinct ones judged by the gold judge
 * and ranked by the prompt's labeler, equally good ones tied, as a comparison. A prompt with fewer than two distinct
 * samples, or whose samples are all equally good, is skipped (its comparison would have no pair) and counted.
 */
public record PolicyLabeler(String policy, long seed, int k, SamplingConfig sampling, int promptsPerBatch,
                            GoldJudge judge, LabelerPool labelers) implements Serializable {

    /** A prompt's comparison, or null with the reason it was skipped. */
    public record Labeled(DataRecord.Comparison comparison, String skipped) implements Serializable {
    }

    public Iterator<Labeled> label(Iterator<DataRecord.Comparison> prompts) {
        List<Labeled> out = new ArrayList<>();
        List<DataRecord.Comparison> batch = new ArrayList<>();
        ModelCheckpoint.Loaded p = ModelPool.borrow(policy);
        try {
            Tokenizer tok = p.tokenizer().orElseThrow(() -> new IllegalArgumentException("instructgpt.label.policy: "
                    + policy + " has no tokenizer to decode its samples with"));
            while (prompts.hasNext()) {
                batch.add(prompts.next());
                if (batch.size() == promptsPerBatch || !prompts.hasNext()) {
                    out.addAll(labelBatch(p.model(), tok, batch));
                    batch.clear();
                }
            }
        } finally {
            ModelPool.giveBack(policy, p);
        }
        return out.iterator();
    }

    private List<Labeled> labelBatch(Gpt2Model model, Tokenizer tok, List<DataRecord.Comparison> prompts) {
        int maxPrompt = model.config().nPositions - sampling.maxNewTokens();
        ExampleEncoder enc = new ExampleEncoder(tok, Math.max(2, maxPrompt));
        int[][] ids = new int[prompts.size() * k][];
        long[] seeds = new long[ids.length];
        for (int i = 0; i < prompts.size(); i++) {
            int[] prompt = enc.prompt(prompts.get(i).prompt(), maxPrompt).ids();
            for (int j = 0; j < k; j++) {
                ids[i * k + j] = prompt;
                seeds[i * k + j] = Seeds.derive(seed, key(prompts.get(i)), j);
            }
        }
        int eos = tok.eosId() >= 0 ? tok.eosId() : model.config().eosTokenId;
        int pad = tok.padId() >= 0 ? tok.padId() : eos;
        GenerationResult r = new Generator(model, eos, pad).generate(ids, seeds, sampling);
        List<Labeled> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            DataRecord.Comparison src = prompts.get(i);
            Map<String, Double> distinct = new LinkedHashMap<>();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (int j = 0; j < k; j++) {
                String text = tok.decode(r.responseTokens(i * k + j));
                // Distinct as the import's validation sees it: the same answer up to surrounding whitespace.
                if (!text.isBlank() && seen.add(text.strip())) {
                    distinct.put(text, judge.judgePrompt(src.prompt(), text).score());
                }
            }
            if (distinct.size() < 2) {
                out.add(new Labeled(null, "fewer than 2 distinct samples"));
                continue;
            }
            List<String> texts = new ArrayList<>(distinct.keySet());
            double[] gold = distinct.values().stream().mapToDouble(Double::doubleValue).toArray();
            if (java.util.Arrays.stream(gold).distinct().count() < 2) {
                out.add(new Labeled(null, "all samples equally good"));
                continue;
            }
            SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, key(src), 0x7a6b));
            int[] ranks = labelers.labeler(labelers.labelerOf(src.groupId())).rankWithTies(gold, rng);
            List<Candidate> cs = new ArrayList<>();
            for (int j = 0; j < texts.size(); j++) {
                cs.add(new Candidate(texts.get(j), ranks[j]));
            }
            out.add(new Labeled(new DataRecord.Comparison(src.promptId(), src.prompt(), cs, src.groupId(), src.task(),
                    src.split()), null));
        }
        return out;
    }

    /** A prompt's own key for its seeds: its id (stable across runs and partitionings). */
    private static long key(DataRecord.Comparison c) {
        return c.promptId().hashCode() * 0x9E3779B97F4A7C15L + c.promptId().length();
    }
}
