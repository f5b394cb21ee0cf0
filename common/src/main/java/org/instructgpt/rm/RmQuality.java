package org.instructgpt.rm;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.apache.spark.api.java.JavaRDD;
import org.instructgpt.data.Candidate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.ModelPool;
import org.instructgpt.stats.Estimate;
import org.instructgpt.stats.Intervals;
import org.instructgpt.util.Seeds;
import org.instructgpt.world.GoldJudge;
import org.instructgpt.world.LabelerPool;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How good a trained reward model is, measured as the paper does (its table of RM accuracy next to labeler
 * agreement), on the validation comparisons: pairwise accuracy against their labels, per K; on the embedded world
 * also against held-out labelers (who ranked none of the training data; here they rank the same validation
 * responses from their gold scores) next to the agreement of those labelers with the training labels, and against
 * the gold judge next to the labels' own agreement with gold. Every figure has a 95% interval from a bootstrap over
 * prompts (the pairs of one prompt are not independent). Scoring runs on the executors.
 */
public final class RmQuality {
    private RmQuality() {
    }

    /** The figures of one reward model, for {@code quality.json}. */
    public record Report(@JsonProperty("prompts") long prompts,
                         @JsonProperty("accuracy") Estimate accuracy,
                         @JsonProperty("accuracy_by_k") Map<String, Estimate> accuracyByK,
                         @JsonProperty("heldout_accuracy") Estimate heldoutAccuracy,
                         @JsonProperty("labeler_agreement") Estimate labelerAgreement,
                         @JsonProperty("gold_accuracy") Estimate goldAccuracy,
                         @JsonProperty("labels_gold_accuracy") Estimate labelsGoldAccuracy,
                         @JsonProperty("gold_accuracy_by_family") Map<String, Estimate> goldAccuracyByFamily,
                         @JsonProperty("labels_gold_accuracy_by_family") Map<String, Estimate> labelsGoldAccuracyByFamily) {
    }

    /** Pair counts of one prompt: [pairs, agreeing] for each comparison made. */
    record Counts(int k, String family, int[] labels, int[] heldout, int[] labelsVsHeldout, int[] gold,
                  int[] labelsVsGold) implements Serializable {
    }

    /** The executor side: what one partition of comparisons needs to count its pairs. */
    record Counter(String model, int maxLength, int batch, GoldJudge judge, LabelerPool heldout, long seed)
            implements Serializable {
        Iterator<Counts> count(Iterator<DataRecord.Comparison> it) {
            List<DataRecord.Comparison> all = new ArrayList<>();
            it.forEachRemaining(all::add);
            List<String> prompts = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (DataRecord.Comparison c : all) {
                for (Candidate x : c.candidates()) {
                    prompts.add(c.prompt());
                    texts.add(x.completion());
                }
            }
            ModelCheckpoint.Loaded rm = ModelPool.borrow(model);
            double[] scores;
            try {
                scores = new RewardScorer(rm, model, maxLength, batch).score(prompts, texts);
            } finally {
                ModelPool.giveBack(model, rm);
            }
            List<Counts> out = new ArrayList<>(all.size());
            int at = 0;
            for (DataRecord.Comparison c : all) {
                int k = c.candidates().size();
                double[] s = java.util.Arrays.copyOfRange(scores, at, at + k);
                at += k;
                out.add(counts(c, s));
            }
            return out.iterator();
        }

        Counts counts(DataRecord.Comparison c, double[] s) {
            int k = c.candidates().size();
            double[] labels = new double[k];
            for (int i = 0; i < k; i++) {
                labels[i] = -c.candidates().get(i).rank();
            }
            if (judge == null) {
                return new Counts(k, null, agreement(labels, s), null, null, null, null);
            }
            double[] gold = new double[k];
            String family = null;
            for (int i = 0; i < k; i++) {
                GoldJudge.Verdict v = judge.judgePrompt(c.prompt(), c.candidates().get(i).completion());
                gold[i] = v.score();
                family = v.family();
            }
            int[] ho = heldout.labeler(heldout.labelerOf(c.groupId())).rankWithTies(gold,
                    new java.util.SplittableRandom(Seeds.derive(seed, c.promptId().hashCode(), 0x4e1d)));
            double[] held = new double[k];
            for (int i = 0; i < k; i++) {
                held[i] = -ho[i];
            }
            return new Counts(k, family, agreement(labels, s), agreement(held, s), agreement(held, labels),
                    agreement(gold, s), agreement(gold, labels));
        }
    }

    /**
     * [pairs ordered by {@code reference} (ties skipped), of which {@code judged} orders the same way (a tie in
     * {@code judged} does not)].
     */
    static int[] agreement(double[] reference, double[] judged) {
        int pairs = 0;
        int agree = 0;
        for (int i = 0; i < reference.length; i++) {
            for (int j = 0; j < reference.length; j++) {
                if (reference[i] > reference[j]) {
                    pairs++;
                    agree += judged[i] > judged[j] ? 1 : 0;
                }
            }
        }
        return new int[]{pairs, agree};
    }

    /**
     * Measures the reward model at {@code model} on {@code validation}. Without a judge (real data) only the accuracy
     * against the labels is measured.
     */
    public static Report measure(JavaRDD<DataRecord.Comparison> validation, String model, int maxLength, int batch,
                                 GoldJudge judge, LabelerPool heldout, long seed) {
        Counter counter = new Counter(model, maxLength, batch, judge, heldout, seed);
        List<Counts> counts = validation.mapPartitions(counter::count).collect();
        Map<String, Estimate> byK = new TreeMap<>();
        counts.stream().map(Counts::k).distinct().sorted().forEach(k -> byK.put("k" + k,
                estimate(counts.stream().filter(c -> c.k() == k).map(Counts::labels).toList(), seed)));
        boolean world = judge != null;
        // Per task family: where the RM (and the labels it learned from) orders responses as the gold judge does,
        // and so where PPO can gain on the judge rather than on the RM's mistakes.
        Map<String, Estimate> goldByFamily = new TreeMap<>();
        Map<String, Estimate> labelsGoldByFamily = new TreeMap<>();
        if (world) {
            counts.stream().map(Counts::family).distinct().sorted().forEach(f -> {
                List<Counts> some = counts.stream().filter(c -> f.equals(c.family())).toList();
                goldByFamily.put(f, estimate(some.stream().map(Counts::gold).toList(), seed));
                labelsGoldByFamily.put(f, estimate(some.stream().map(Counts::labelsVsGold).toList(), seed));
            });
        }
        return new Report(counts.size(), estimate(counts.stream().map(Counts::labels).toList(), seed), byK,
                world ? estimate(counts.stream().map(Counts::heldout).toList(), seed) : Estimate.none("bootstrap"),
                world ? estimate(counts.stream().map(Counts::labelsVsHeldout).toList(), seed) : Estimate.none("bootstrap"),
                world ? estimate(counts.stream().map(Counts::gold).toList(), seed) : Estimate.none("bootstrap"),
                world ? estimate(counts.stream().map(Counts::labelsVsGold).toList(), seed) : Estimate.none("bootstrap"),
                goldByFamily, labelsGoldByFamily);
    }

    private static Estimate estimate(List<int[]> perPrompt, long seed) {
        double[] num = new double[perPrompt.size()];
        double[] den = new double[perPrompt.size()];
        for (int i = 0; i < num.length; i++) {
            den[i] = perPrompt.get(i)[0];
            num[i] = perPrompt.get(i)[1];
        }
        return Intervals.clusteredRatio(num, den, Seeds.derive(seed, 0xb007));
    }
}
