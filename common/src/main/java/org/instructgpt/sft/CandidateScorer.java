package org.instructgpt.sft;

import org.instructgpt.data.DataRecord;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.generate.TextSampler;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.ModelPool;
import org.instructgpt.rm.RewardScorer;
import org.instructgpt.util.Seeds;
import org.instructgpt.world.GoldJudge;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * One partition of SFT selection: every candidate checkpoint answers the partition's prompts (samples j of a prompt
 * drawn from the same seed for every candidate), the reward model scores the answers, and (on the embedded world) the
 * gold judge; a prompt's figure for a candidate is the mean over its samples. Checkpoints are borrowed from the
 * executor's {@link ModelPool}, so each loads once per executor.
 */
record CandidateScorer(List<String> candidates, String rewardModel, SamplingConfig sampling, int samplesPerPrompt,
                       int promptsPerBatch, int scoreBatch, int maxLength, GoldJudge judge, long seed)
        implements Serializable {

    /** A prompt's mean RM score (and gold score, else null) under each candidate. */
    record PromptScores(String promptId, double[] rm, double[] gold) implements Serializable {
    }

    Iterator<PromptScores> score(Iterator<DataRecord> rows) {
        List<DataRecord.Demonstration> prompts = new ArrayList<>();
        rows.forEachRemaining(r -> prompts.add((DataRecord.Demonstration) r));
        List<String> asked = new ArrayList<>();
        long[] seeds = new long[prompts.size() * samplesPerPrompt];
        for (int i = 0; i < prompts.size(); i++) {
            for (int j = 0; j < samplesPerPrompt; j++) {
                asked.add(prompts.get(i).prompt());
                seeds[i * samplesPerPrompt + j] = Seeds.derive(seed, prompts.get(i).promptId().hashCode(), j, 0x5e1ec7);
            }
        }
        List<List<String>> answers = new ArrayList<>();
        for (String c : candidates) {
            answers.add(sample(c, asked, seeds));
        }
        double[][] rm = new double[prompts.size()][candidates.size()];
        double[][] gold = judge == null ? null : new double[prompts.size()][candidates.size()];
        ModelCheckpoint.Loaded loaded = ModelPool.borrow(rewardModel);
        try {
            RewardScorer scorer = new RewardScorer(loaded, "instructgpt.sft-select.reward-model " + rewardModel,
                    maxLength, scoreBatch);
            for (int ci = 0; ci < candidates.size(); ci++) {
                double[] s = scorer.score(asked, answers.get(ci));
                for (int a = 0; a < s.length; a++) {
                    int i = a / samplesPerPrompt;
                    rm[i][ci] += s[a] / samplesPerPrompt;
                    if (gold != null) {
                        gold[i][ci] += judge.judgePrompt(asked.get(a), answers.get(ci).get(a)).score() / samplesPerPrompt;
                    }
                }
            }
        } finally {
            ModelPool.giveBack(rewardModel, loaded);
        }
        List<PromptScores> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            out.add(new PromptScores(prompts.get(i).promptId(), rm[i], gold == null ? null : gold[i]));
        }
        return out.iterator();
    }

    /** A candidate's answers, a batch of prompts at a time (the decoder's batch bounds its memory). */
    private List<String> sample(String candidate, List<String> asked, long[] seeds) {
        ModelCheckpoint.Loaded policy = ModelPool.borrow(candidate);
        try {
            TextSampler sampler = new TextSampler(policy, "instructgpt.sft-select.candidates " + candidate);
            List<String> out = new ArrayList<>(asked.size());
            int batch = Math.max(1, promptsPerBatch * samplesPerPrompt);
            for (int from = 0; from < asked.size(); from += batch) {
                int to = Math.min(asked.size(), from + batch);
                out.addAll(sampler.sample(asked.subList(from, to), java.util.Arrays.copyOfRange(seeds, from, to), sampling));
            }
            return out;
        } finally {
            ModelPool.giveBack(candidate, policy);
        }
    }
}
