/**
 * The embedded default world: checkable task families, a pre-training corpus with imitative falsehoods,
 * demonstrations, simulated labelers calibrated to the paper's agreement, and the gold judge.
 */
package org.instructgpt.world;
