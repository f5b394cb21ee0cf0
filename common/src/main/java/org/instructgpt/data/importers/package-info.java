/** Readers of the formats users already have: TRL, Anthropic HH, OpenAssistant trees, self-instruct and our own columns. */
package org.instructgpt.data.importers;
