/** Evaluation: policies answering held-out prompts from shared seeds, judged by the gold judge or a reward model. */
package org.instructgpt.eval;
