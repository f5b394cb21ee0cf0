package org.instructgpt.eval;

import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.generate.TextSampler;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.ModelPool;
import org.instructgpt.rm.RewardScorer;
import org.instructgpt.tokenizer.Tokenizer;
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
 * on the embedded world, the gold judge; a prompt's figure for a policy is the mean over its samples. With a KL
 * reference (one of the candidates), each sample's log-likelihood under its policy and under the reference, both at
 * temperature 1: their mean difference is the policy's KL to the reference where sampling is at temperature 1.
 * Checkpoints are borrowed from the executor's {@link ModelPool}, so each loads once per executor.
 *
 * @param klReference the index of the candidate that KL is measured against, -1 for none
 */
public record PolicySampleScorer(List<String> candidates, String rewardModel, SamplingConfig sampling,
                                 int samplesPerPrompt, int promptsPerBatch, int scoreBatch, int maxLength,
                                 GoldJudge judge, int klReference, long seed) implements Serializable {

    private static final int LIKELIHOOD_BATCH = 8;

    /** A prompt to answer: its id, text and task family (or null). */
    public record Prompt(String id, String text, String task) implements Serializable {
    }

    /**
     * A prompt's mean RM score (null without a reward model) and gold score (null off the embedded world) under each
     * policy, what the gold judge saw in its answers (null off the world), whether the prompt asked to be respectful,
     * each policy's share of answers that ended with EOS and mean log-ratio to the KL reference (null without one),
     * and each policy's first answer (for reports).
     */
    public record PromptScores(String promptId, String task, double[] rm, double[] gold, Behaviour[] behaviour,
                               boolean respectful, double[] eos, double[] kl, String[] firstAnswers)
            implements Serializable {
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
        double[][] ownLikelihood = new double[candidates.size()][];
        List<List<TextSampler.Answer>> sampled = new ArrayList<>();
        for (int ci = 0; ci < candidates.size(); ci++) {
            List<TextSampler.Answer> a = new ArrayList<>(asked.size());
            ownLikelihood[ci] = sample(candidates.get(ci), asked, seeds, a);
            sampled.add(a);
            answers.add(a.stream().map(TextSampler.Answer::text).toList());
        }
        double[][] kl = klReference < 0 ? null : logRatios(sampled, ownLikelihood, prompts.size());
        double[][] eos = new double[prompts.size()][candidates.size()];
        for (int ci = 0; ci < candidates.size(); ci++) {
            for (int a = 0; a < asked.size(); a++) {
                eos[a / samplesPerPrompt][ci] += (sampled.get(ci).get(a).eos() ? 1.0 : 0.0) / samplesPerPrompt;
            }
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
                    gold == null ? null : gold[i], behaviour, respectful[i], eos[i], kl == null ? null : kl[i], first));
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

    /**
     * A candidate's answers into {@code out}, a batch of prompts at a time (the decoder's batch bounds its memory);
     * with a KL reference, returns each answer's log-likelihood under the candidate (else null).
     */
    private double[] sample(String candidate, List<String> asked, long[] seeds, List<TextSampler.Answer> out) {
        ModelCheckpoint.Loaded policy = ModelPool.borrow(candidate);
        try {
            TextSampler sampler = new TextSampler(policy, "policy " + candidate);
            int batch = Math.max(1, promptsPerBatch * samplesPerPrompt);
            for (int from = 0; from < asked.size(); from += batch) {
                int to = Math.min(asked.size(), from + batch);
                out.addAll(sampler.answers(asked.subList(from, to), java.util.Arrays.copyOfRange(seeds, from, to), sampling));
            }
            return klReference < 0 ? null : likelihoods(policy, out);
        } finally {
            ModelPool.giveBack(candidate, policy);
        }
    }

    /** [prompt][policy]: the mean over the prompt's samples of log p_policy(answer) - log p_reference(answer). */
    private double[][] logRatios(List<List<TextSampler.Answer>> sampled, double[][] own, int prompts) {
        String ref = candidates.get(klReference);
        double[][] kl = new double[prompts][candidates.size()];
        ModelCheckpoint.Loaded reference = ModelPool.borrow(ref);
        try {
            for (int ci = 0; ci < candidates.size(); ci++) {
                double[] under = ci == klReference ? own[ci] : likelihoods(reference, sampled.get(ci));
                for (int a = 0; a < under.length; a++) {
                    kl[a / samplesPerPrompt][ci] += (own[ci][a] - under[a]) / samplesPerPrompt;
                }
            }
        } finally {
            ModelPool.giveBack(ref, reference);
        }
        return kl;
    }

    /** Each answer's log-likelihood (EOS included where it ended with one) after its prompt under a model. */
    private double[] likelihoods(ModelCheckpoint.Loaded model, List<TextSampler.Answer> answers) {
        Tokenizer tok = model.tokenizer().orElseThrow(() -> new IllegalArgumentException(
                "eval: the KL reference has no tokenizer to encode the answers with"));
        int pad = tok.fillId();
        // Prompts were cut to leave the answer room in the policy's context; a reference with a shorter one cuts more.
        ExampleEncoder enc = new ExampleEncoder(tok, model.model().config().nPositions);
        double[] out = new double[answers.size()];
        // A few sequences a pass: the array engine keeps every layer's activations of the largest pass it has made,
        // per pooled model, and evaluation pools six of them on each executor thread.
        for (int from = 0; from < answers.size(); from += LIKELIHOOD_BATCH) {
            List<TokenizedExample> xs = new ArrayList<>();
            for (TextSampler.Answer a : answers.subList(from, Math.min(answers.size(), from + LIKELIHOOD_BATCH))) {
                xs.add(enc.join(a.promptIds(), a.responseIds()));
            }
            double[] s = CompletionLikelihood.sums(model.model(), xs, pad);
            System.arraycopy(s, 0, out, from, s.length);
        }
        return out;
    }
}
