/** What a person reads: progress with ETA, JSONL metrics and PNG loss curves. */
package org.instructgpt.report;
