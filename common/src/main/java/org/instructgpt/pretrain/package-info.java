/** The pretrain stage: a base model from a text corpus (the embedded world has no pretrained GPT-2 to start from). */
package org.instructgpt.pretrain;
