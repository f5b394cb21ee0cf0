/**
 * Distributed training shared by every stage: the {@code TrainingObjective} contract a stage plugs in, the Spark
 * data-parallel trainer (deterministic, refuses a non-finite step), AdamW, schedules, clipping, checkpoints and
 * resume, the training loop with metrics and progress.
 */
package org.instructgpt.train;
