/** Batched sampling over an engine's decoder: left padding, per-prompt seeds, temperature, top-k, top-p, EOS. */
package org.instructgpt.generate;
