/**
 * The labeling stage: a policy's own samples, K per prompt, generated on the executors and ranked by the embedded
 * world's simulated labelers into a comparisons dataset (what the paper's labelers did for the reward model).
 */
package org.instructgpt.label;
