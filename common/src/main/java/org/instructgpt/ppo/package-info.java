/**
 * PPO with pre-training mix (PPO-ptx), the paper's RL stage: rollouts as a map over prompt partitions (generate,
 * score, log-probs of policy and reference, values, per-token KL rewards, GAE), global statistics reduced on the
 * driver, then the clipped policy and value losses (plus the ptx term) on the data-parallel trainer.
 */
package org.instructgpt.ppo;
