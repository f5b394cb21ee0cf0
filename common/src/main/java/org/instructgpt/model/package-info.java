/**
 * The GPT-2 definition and the seam to its engines: {@link org.instructgpt.model.GptConfig} (Hugging Face's
 * config.json), {@link org.instructgpt.model.Gpt2Layout} (tensor names and order in the flat buffer, dropout sites,
 * the attention-mask rule), {@link org.instructgpt.model.FlatParameters} (one buffer, named views),
 * {@link org.instructgpt.model.Gpt2Model} (config, parameters, gradient and the engine chosen once), the pass
 * interface {@link org.instructgpt.model.GptEngine} with its {@link org.instructgpt.model.Decoder}, and the heads
 * and losses written once on it ({@link org.instructgpt.model.LanguageModelLoss},
 * {@link org.instructgpt.model.ScalarHead}). Engines live in {@code model.nd4j} (the reference) and
 * {@code model.cpu} (float32 on Java arrays).
 */
package org.instructgpt.model;
