package org.instructgpt.ppo;

import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.generate.GenerationResult;
import org.instructgpt.generate.Generator;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.ModelPool;
import org.instructgpt.model.ForwardMode;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.PassOutput;
import org.instructgpt.model.PassRequest;
import org.instructgpt.rm.RewardModel;
import org.instructgpt.tokenizer.Tokenizer;
import org.instructgpt.tokenizer.Tokenizers;
import org.instructgpt.train.BroadcastModel;
import org.instructgpt.util.Seeds;
import org.instructgpt.world.GoldJudge;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The map of a PPO iteration, one partition of prompts at a time: the policy (this iteration's parameters) samples a
 * response per prompt at the sampling temperature from the prompt's own seed, stopping at EOS; then, batch by batch,
 * the log-probs of the sampled tokens under the policy and the frozen reference at that same temperature (with the
 * policy's entropy), the value model's estimates, and the frozen reward model's score of prompt + response (+ EOS
 * where the response has none, then the no-EOS penalty); per-token rewards -beta (log pi - log pi_ref) with the score
 * added at the last token; GAE. Dropout is off in every model (eval passes). On the embedded world the gold judge's
 * score of each response is recorded beside (never used for training).
 */
public record RolloutWorker(BroadcastModel policy, BroadcastModel value, String reference, String rewardModel,
                            String tokenizer, SamplingConfig sampling, double beta, double noEosPenalty, double gamma,
                            double lambda, long seed, long iteration, int batch, GoldJudge judge)
        implements Serializable {

    public Iterator<Rollout> run(Iterator<RolloutTask> tasks) {
        List<RolloutTask> all = new ArrayList<>();
        tasks.forEachRemaining(all::add);
        List<Rollout> out = new ArrayList<>(all.size());
        if (all.isEmpty()) {
            return out.iterator();
        }
        Tokenizer tok = Tokenizers.forSpec(tokenizer);
        Gpt2Model pi = policy.borrow();
        Gpt2Model v = value.borrow();
        ModelCheckpoint.Loaded ref = ModelPool.borrow(reference);
        ModelCheckpoint.Loaded rm = ModelPool.borrow(rewardModel);
        try {
            for (int from = 0; from < all.size(); from += batch) {
                out.addAll(chunk(all.subList(from, Math.min(all.size(), from + batch)), tok, pi, v, ref.model(), rm.model()));
            }
        } finally {
            policy.giveBack(pi);
            value.giveBack(v);
            ModelPool.giveBack(reference, ref);
            ModelPool.giveBack(rewardModel, rm);
        }
        return out.iterator();
    }

    private List<Rollout> chunk(List<RolloutTask> tasks, Tokenizer tok, Gpt2Model pi, Gpt2Model v, Gpt2Model ref,
                                Gpt2Model rm) {
        int eos = tok.eosId() >= 0 ? tok.eosId() : pi.config().eosTokenId;
        int pad = tok.padId() >= 0 ? tok.padId() : eos;
        // Room for the response and for the EOS the reward model reads a response without one by.
        int maxPrompt = pi.config().nPositions - sampling.maxNewTokens() - 1;
        ExampleEncoder enc = new ExampleEncoder(tok, Math.max(2, maxPrompt));
        int[][] prompts = new int[tasks.size()][];
        long[] seeds = new long[tasks.size()];
        for (int i = 0; i < prompts.length; i++) {
            prompts[i] = enc.prompt(tasks.get(i).prompt(), maxPrompt).ids();
            seeds[i] = Seeds.derive(seed, 0x9e0, iteration, tasks.get(i).seedKey());
        }
        long t0 = System.nanoTime();
        GenerationResult g = new Generator(pi, eos, pad).generate(prompts, seeds, sampling);
        long t1 = System.nanoTime();
        List<int[]> ps = new ArrayList<>();
        List<int[]> rs = new ArrayList<>();
        List<int[]> scored = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            int[] r = g.responseTokens(i);
            if (r.length == 0) {
                r = new int[]{eos};
            }
            ps.add(prompts[i]);
            rs.add(r);
            boolean ended = r[r.length - 1] == eos;
            int[] withEos = ended ? r : java.util.Arrays.copyOf(r, r.length + 1);
            withEos[withEos.length - 1] = eos;
            scored.add(withEos);
        }
        RolloutBatch b = RolloutBatch.of(ps, rs, pad);
        PassRequest lp = new PassRequest(b.targets(), sampling.temperature(), true, false);
        PassOutput pol = pi.forward(b.input(), lp, ForwardMode.EVAL);
        PassOutput refOut = ref.forward(b.input(), new PassRequest(b.targets(), sampling.temperature(), false, false),
                ForwardMode.EVAL);
        PassOutput vals = v.forward(b.input(), PassRequest.scalarHead(), ForwardMode.EVAL);
        double[] scores = RewardModel.scores(rm, RolloutBatch.of(ps, scored, pad).input());
        double generation = (t1 - t0) / 1e9 / prompts.length;
        double scoring = (System.nanoTime() - t1) / 1e9 / prompts.length;
        List<Rollout> out = new ArrayList<>(prompts.length);
        for (int i = 0; i < prompts.length; i++) {
            int[] r = rs.get(i);
            int n = r.length;
            double[] logp = new double[n];
            double[] refp = new double[n];
            double[] values = new double[n];
            double[] rewards = new double[n];
            double entropy = 0;
            for (int j = 0; j < n; j++) {
                int row = b.rows()[i][j];
                logp[j] = pol.logProbs()[row];
                refp[j] = refOut.logProbs()[row];
                values[j] = vals.scalar()[row];
                rewards[j] = -beta * (logp[j] - refp[j]);
                entropy += pol.entropy()[row] / n;
            }
            boolean ended = r[n - 1] == eos;
            double score = scores[i] + (ended ? 0 : noEosPenalty);
            rewards[n - 1] += score;
            Gae.Result gae = Gae.of(rewards, values, gamma, lambda);
            RolloutTask t = tasks.get(i);
            String text = tok.decode(ended ? java.util.Arrays.copyOf(r, n - 1) : r);
            double gold = judge == null ? Double.NaN : judge.judgePrompt(t.prompt(), text).score();
            out.add(new Rollout(t.promptId(), ps.get(i), r, logp, refp, values, gae.advantages(), gae.returns(), score,
                    scores[i], ended, entropy, t.ptx(), t.prompt(), text, generation, scoring, gold));
        }
        return out;
    }
}
