/** The tokenizer interface, Hugging Face tokenizer.json through DJL, and the byte-level tokenizer of the embedded world. */
package org.instructgpt.tokenizer;
