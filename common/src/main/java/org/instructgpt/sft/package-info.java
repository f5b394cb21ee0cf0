/** The supervised fine-tuning stage: the LM loss on labeler demonstrations, completion tokens only. */
package org.instructgpt.sft;
