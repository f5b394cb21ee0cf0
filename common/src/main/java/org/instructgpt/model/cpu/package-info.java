/**
 * The array engine: float32 GPT-2 on Java arrays with the JDK's Vector API, for CPUs. {@code HeapGemm} (the
 * register-tiled matrix product), {@code ArrayKernels} and {@code VectorMath} (row kernels with JIT-independent
 * results), {@code ArrayEngine} (training and scoring forward/backward; {@code SharedPrefixRows}, a prompt's rows
 * computed once for its responses), {@code KvCacheDecoder} over a {@code PackedModel} (generation). Not the
 * reference: the contract tests hold it to the ND4J engine in double precision.
 */
package org.instructgpt.model.cpu;
