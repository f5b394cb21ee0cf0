package org.instructgpt.eval;

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
 * One partition of prompts answered by several policies (SFT selection's epochs, evaluation's policy and baseline):
 * every policy answers each prompt {@code samplesPerPrompt} times, sample j of a prompt drawn from the same seed for
 * every policy (so they differ by their weights, not their luck); a reward model scores the answers (when given) and,
 * on the embedded world, the gold judge; a prompt's figure for a policy is the mean over its samples. Checkpoints are
 * borrowed from the executor's {@link ModelPool}, so each loads once per executor.
 */
public record PolicySampleScorer(List<String> candidates, String rewardModel, SamplingConfig sampling,
                                 int samplesPerPrompt, int promptsPerBatch, int scoreBatch, int maxLength,
                                 GoldJudge judge, long seed) implements Serializable {

    /** A prompt to answer: its id, text and task family (or null). */
    public record Prompt(String id, String text, String task) implements Serializable {
    }

    /**
     * A prompt's mean RM score (null without a reward model) and gold score (null off the embedded world) under each
     * policy, what the gold judge saw in its answers (null off the world), whether the prompt asked to be respectful,
     * and each policy's first answer (for reports).
     */
    public record PromptScores(String promptId, String task, double[] rm, double[] gold, Behaviour[] behaviour,
                               boolean respectful, String[] firstAnswers) implements Serializable {
    }

    /**
     * One policy's answers to one prompt as the gold judge saw them: the share of its samples with a made-up fact
     * (hallucination), with an imitative falsehood, with a forbidden word, and their mean length in words.
     */
    public record Behaviour(double hallucination, double falsehood, double forbidden, double words)
            implements Serializable {
    }

    public Iterator<PromptScores> score(Iterator<Prompt> rows) {
        List<Prompt> prompts = new ArrayList<>();
        rows.forEachRemaining(prompts::add);
        List<String> asked = new ArrayList<>();
        long[] seeds = new long[prompts.size() * samplesPerPrompt];
        for (int i = 0; i < prompts.size(); i++) {
            for (int j = 0; j < samplesPerPrompt; j++) {
                asked.add(prompts.get(i).text());
                seeds[i * samplesPerPrompt + j] = Seeds.derive(seed, prompts.get(i).id().hashCode(), j, 0x5e1ec7);
            }
        }
        List<List<String>> answers = new ArrayList<>();
        for (String c : candidates) {
            answers.add(sample(c, asked, seeds));
        }
        double[][] rm = rewardModel == null ? null : rmScores(asked, answers);
        double[][] gold = judge == null ? null : new double[prompts.size()][candidates.size()];
        double[][][] seen = new double[prompts.size()][candidates.size()][4];
        boolean[] respectful = new boolean[prompts.size()];
        for (int ci = 0; gold != null && ci < candidates.size(); ci++) {
            for (int a = 0; a < asked.size(); a++) {
                String answer = answers.get(ci).get(a);
                GoldJudge.Verdict v = judge.judgePrompt(asked.get(a), answer);
                int i = a / samplesPerPrompt;
                gold[i][ci] += v.score() / samplesPerPrompt;
                double[] b = seen[i][ci];
                b[0] += (v.hallucination() ? 1.0 : 0.0) / samplesPerPrompt;
                b[1] += (v.falsehood() ? 1.0 : 0.0) / samplesPerPrompt;
                b[2] += (v.forbiddenWords() > 0 ? 1.0 : 0.0) / samplesPerPrompt;
                b[3] += (answer.isBlank() ? 0 : answer.strip().split("\\s+").length) / (double) samplesPerPrompt;
                respectful[i] = v.respectfulInstruction();
            }
        }
        List<PromptScores> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            String[] first = new String[candidates.size()];
            for (int ci = 0; ci < first.length; ci++) {
                first[ci] = answers.get(ci).get(i * samplesPerPrompt);
            }
            Behaviour[] behaviour = null;
            if (gold != null) {
                behaviour = new Behaviour[candidates.size()];
                for (int ci = 0; ci < behaviour.length; ci++) {
                    double[] b = seen[i][ci];
                    behaviour[ci] = new Behaviour(b[0], b[1], b[2], b[3]);
                }
            }
            out.add(new PromptScores(prompts.get(i).id(), prompts.get(i).task(), rm == null ? null : rm[i],
                    gold == null ? null : gold[i], behaviour, respectful[i], first));
        }
        return out.iterator();
    }

    /** [prompt][policy]: the mean reward-model score of the prompt's samples. */
    private double[][] rmScores(List<String> asked, List<List<String>> answers) {
        double[][] rm = new double[asked.size() / samplesPerPrompt][candidates.size()];
        ModelCheckpoint.Loaded loaded = ModelPool.borrow(rewardModel);
        try {
            RewardScorer scorer = new RewardScorer(loaded, "reward model " + rewardModel, maxLength, scoreBatch);
            for (int ci = 0; ci < candidates.size(); ci++) {
                double[] s = scorer.score(asked, answers.get(ci));
                for (int a = 0; a < s.length; a++) {
                    rm[a / samplesPerPrompt][ci] += s[a] / samplesPerPrompt;
                }
            }
        } finally {
            ModelPool.giveBack(rewardModel, loaded);
        }
        return rm;
    }

    /** A candidate's answers, a batch of prompts at a time (the decoder's batch bounds its memory). */
    private List<String> sample(String candidate, List<String> asked, long[] seeds) {
        ModelCheckpoint.Loaded policy = ModelPool.borrow(candidate);
        try {
            TextSampler sampler = new TextSampler(policy, "policy " + candidate);
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
