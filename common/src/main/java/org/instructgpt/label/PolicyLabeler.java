package org.instructgpt.label;

import org.instructgpt.data.Candidate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.generate.TextSampler;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.ModelPool;
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
 * One partition's share of labeling: for each prompt, K samples split over the policies (the paper's comparisons
 * came from several models; each sample from the prompt's own seed, so a
 * sample does not depend on its batch, its partition or a task retry), the distinct ones judged by the gold judge
 * and ranked by the prompt's labeler, equally good ones tied, as a comparison. A prompt with fewer than two distinct
 * candidates, or whose candidates are all equally good, is skipped (its comparison would have no pair) and counted.
 * Each of {@code variants} adds a candidate per prompt, a {@link DegenerateVariant} of one of its distinct samples
 * (taken in turn), judged and ranked with them.
 */
public record PolicyLabeler(List<String> policies, long seed, int k, List<DegenerateVariant> variants,
                            SamplingConfig sampling, int promptsPerBatch, GoldJudge judge, LabelerPool labelers)
        implements Serializable {
    public PolicyLabeler {
        if (policies.isEmpty() || policies.size() > k) {
            throw new IllegalArgumentException("need 1 to K = " + k + " policies, got " + policies.size());
        }
        policies = List.copyOf(policies);
        variants = List.copyOf(variants);
    }

    /** A prompt's comparison, or null with the reason it was skipped. */
    public record Labeled(DataRecord.Comparison comparison, String skipped) implements Serializable {
    }

    public Iterator<Labeled> label(Iterator<DataRecord.Comparison> prompts) {
        List<Labeled> out = new ArrayList<>();
        List<DataRecord.Comparison> batch = new ArrayList<>();
        List<ModelCheckpoint.Loaded> loaded = new ArrayList<>();
        try {
            for (String p : policies) {
                loaded.add(ModelPool.borrow(p));
            }
            while (prompts.hasNext()) {
                batch.add(prompts.next());
                if (batch.size() == promptsPerBatch || !prompts.hasNext()) {
                    out.addAll(labelBatch(loaded, batch));
                    batch.clear();
                }
            }
        } finally {
            for (int i = 0; i < loaded.size(); i++) {
                ModelPool.giveBack(policies.get(i), loaded.get(i));
            }
        }
        return out.iterator();
    }

    /** Samples of policy {@code pi} per prompt: K split as evenly as possible, the first policies taking the rest. */
    int samplesOf(int pi) {
        return k / policies.size() + (pi < k % policies.size() ? 1 : 0);
    }

    /** texts[i] = every sample of prompt i, policy by policy. */
    private List<List<String>> sample(List<ModelCheckpoint.Loaded> loaded, List<DataRecord.Comparison> prompts) {
        List<List<String>> texts = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            texts.add(new ArrayList<>());
        }
        for (int pi = 0; pi < loaded.size(); pi++) {
            int kp = samplesOf(pi);
            List<String> asked = new ArrayList<>();
            long[] seeds = new long[prompts.size() * kp];
            for (int i = 0; i < prompts.size(); i++) {
                for (int j = 0; j < kp; j++) {
                    asked.add(prompts.get(i).prompt());
                    seeds[i * kp + j] = Seeds.derive(seed, key(prompts.get(i)), pi, j);
                }
            }
            List<String> answers = new TextSampler(loaded.get(pi), "instructgpt.label.policies: " + policies.get(pi))
                    .sample(asked, seeds, sampling);
            for (int i = 0; i < answers.size(); i++) {
                texts.get(i / kp).add(answers.get(i));
            }
        }
        return texts;
    }

    private List<Labeled> labelBatch(List<ModelCheckpoint.Loaded> loaded, List<DataRecord.Comparison> prompts) {
        List<List<String>> samples = sample(loaded, prompts);
        List<Labeled> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            DataRecord.Comparison src = prompts.get(i);
            Map<String, Double> distinct = new LinkedHashMap<>();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String text : samples.get(i)) {
                // Distinct as the import's validation sees it: the same answer up to surrounding whitespace.
                if (!text.isBlank() && seen.add(text.strip())) {
                    distinct.put(text, judge.judgePrompt(src.prompt(), text).score());
                }
            }
            List<String> sampled = new ArrayList<>(distinct.keySet());
            for (int v = 0; v < variants.size() && !sampled.isEmpty(); v++) {
                String variant = variants.get(v).of(sampled.get(v % sampled.size()),
                        new SplittableRandom(Seeds.derive(seed, key(src), 0x52554e, v)));
                if (variant != null && seen.add(variant.strip())) {
                    distinct.put(variant, judge.judgePrompt(src.prompt(), variant).score());
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
