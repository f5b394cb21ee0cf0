package org.instructgpt.ppo;

import java.io.Serializable;

/** A prompt of one iteration, with the key its sample's seed is drawn from and its episode's pre-training blocks. */
public record RolloutTask(String promptId, String prompt, long seedKey, int[][] ptx) implements Serializable {
}
