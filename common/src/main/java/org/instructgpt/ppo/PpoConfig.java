package org.instructgpt.ppo;

import com.typesafe.config.Config;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.train.OptimizerSettings;

/** {@code instructgpt.ppo}, read and checked once (every size is validated against the others here). */
public record PpoConfig(String policy, String reference, String rewardModel, String valueModel, String prompts,
                        String pretrain, String output, int iterations, int episodes, int rolloutBatch,
                        SamplingConfig sampling, double noEosPenalty, double gamma, double lambda, int epochs,
                        int minibatch, double clip, double valueClip, double valueCoef, boolean whiten, double klCoef,
                        boolean klAdaptive, double klTarget, double klHorizon, double ptxCoef, int ptxBlocks,
                        int ptxBlockSize, int ptxMaxBlocks, double emaDecay, int checkpointEvery, int keepCheckpoints,
                        int samplesEvery, int samples, boolean resume, OptimizerSettings optimizer,
                        OptimizerSettings valueOptimizer, int partitions, long seed) {

    public static PpoConfig from(Config root) {
        Config c = root.getConfig("instructgpt.ppo");
        int partitions = c.hasPath("partitions") ? c.getInt("partitions") : root.getInt("instructgpt.train.partitions");
        int episodes = c.getInt("episodes-per-iteration");
        int minibatch = c.getInt("minibatch");
        int epochs = c.getInt("epochs");
        int iterations = c.getInt("iterations");
        long steps = (long) iterations * epochs * (episodes / Math.max(1, minibatch));
        OptimizerSettings opt = OptimizerSettings.from(c.getConfig("optimizer")).withSteps(steps);
        OptimizerSettings vopt = OptimizerSettings.from(c.getConfig("value-optimizer")).withSteps(steps);
        boolean ptx = !c.getString("pretrain").isEmpty() && c.getDouble("ptx.coef") > 0;
        PpoConfig p = new PpoConfig(c.getString("policy"), c.getString("reference"), c.getString("reward-model"),
                c.getString("value-model"), c.getString("prompts"), c.getString("pretrain"), c.getString("output"),
                iterations, episodes, c.getInt("rollout-batch"),
                new SamplingConfig(c.getInt("max-new-tokens"), c.getDouble("temperature"), 0, 1.0),
                c.getDouble("no-eos-penalty"), c.getDouble("gamma"), c.getDouble("lambda"), epochs, minibatch,
                c.getDouble("clip"), c.getDouble("value-clip"), c.getDouble("value-coef"), c.getBoolean("whiten-advantages"),
                c.getDouble("kl.coef"), c.getBoolean("kl.adaptive"), c.getDouble("kl.target"), c.getDouble("kl.horizon"),
                ptx ? c.getDouble("ptx.coef") : 0, ptx ? c.getInt("ptx.blocks-per-episode") : 0, c.getInt("ptx.block-size"),
                c.getInt("ptx.max-blocks"), c.getDouble("ema-decay"), c.getInt("checkpoint-every"),
                c.getInt("keep-checkpoints"), c.getInt("samples-every"), c.getInt("samples"), c.getBoolean("resume"),
                opt, vopt, partitions, root.getLong("instructgpt.seed"));
        p.check();
        return p;
    }

    private void check() {
        if (episodes % partitions != 0 || episodes % minibatch != 0 || minibatch % partitions != 0) {
            throw new IllegalArgumentException("instructgpt.ppo.episodes-per-iteration (" + episodes + ") must be a multiple"
                    + " of instructgpt.ppo.minibatch (" + minibatch + "), and both of the partitions (" + partitions + ")");
        }
        if (!(sampling.temperature() > 0)) {
            throw new IllegalArgumentException("instructgpt.ppo.temperature must be > 0: PPO scores its samples'"
                    + " log-probs at the sampling temperature");
        }
        if (iterations < 1 || epochs < 1) {
            throw new IllegalArgumentException("instructgpt.ppo.iterations and .epochs must be at least 1");
        }
        if (!(emaDecay >= 0 && emaDecay < 1)) {
            throw new IllegalArgumentException("instructgpt.ppo.ema-decay must be in [0, 1), got " + emaDecay);
        }
    }

    /** Optimizer steps per iteration (each of the policy and the value model). */
    public int stepsPerIteration() {
        return epochs * (episodes / minibatch);
    }

    public KlController klController() {
        return klAdaptive ? KlController.adaptive(klCoef, klTarget, klHorizon) : KlController.fixed(klCoef);
    }
}
