package org.instructgpt.world;

import com.typesafe.config.Config;

/** How big the generated world is and how its labelers behave (instructgpt.world.*); counts are multiplied by scale. */
public record WorldSpec(long seed, double scale, int customers, int sftDemonstrations, int rmPrompts, int candidates,
                        int ppoPrompts, int evalPromptsPerFamily, double labelerErrorRate, double labelerAgreement,
                        int pretrainTaskDocuments, double proseHoldoutFraction, double validationFraction) {

    public static WorldSpec from(Config c) {
        Config w = c.getConfig("instructgpt.world");
        return new WorldSpec(c.getLong("instructgpt.seed"), w.getDouble("scale"), w.getInt("customers"),
                w.getInt("sft-demonstrations"), w.getInt("rm-prompts"), w.getInt("candidates"), w.getInt("ppo-prompts"),
                w.getInt("eval-prompts-per-family"), w.getDouble("labeler-error-rate"), w.getDouble("labeler-agreement"),
                w.getInt("pretrain-task-documents"), w.getDouble("prose-holdout-fraction"), w.getDouble("validation-fraction"));
    }

    int scaled(int n) {
        return Math.max(1, (int) Math.round(n * scale));
    }
}
