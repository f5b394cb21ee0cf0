/** The main job's bookkeeping: which stages of a run are complete, what each took, so a rerun continues. */
package org.instructgpt.pipeline;
