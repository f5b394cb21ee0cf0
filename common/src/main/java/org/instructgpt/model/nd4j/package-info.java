/**
 * The reference engine: GPT-2 as ND4J modules (embedding, LayerNorm, Conv1D, causal self-attention, gelu_new,
 * dropout, the tied LM head's softmax at targets, the scalar head), each with a hand-written backward checked by
 * finite differences in double precision and against Hugging Face's gradients. Runs any data type on any ND4J
 * backend, GPUs included; the array engine is tested against it.
 */
package org.instructgpt.model.nd4j;
