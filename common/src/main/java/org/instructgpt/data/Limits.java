package org.instructgpt.data;

import com.typesafe.config.Config;

import java.io.Serializable;

/** What a valid row may contain: token limits (under the configured tokenizer) and the range of K. */
public record Limits(String tokenizer, int maxPromptTokens, int maxCompletionTokens, int minCandidates, int maxCandidates)
        implements Serializable {
    public static Limits from(Config c) {
        return new Limits(c.getString("tokenizer"), c.getInt("max-prompt-tokens"), c.getInt("max-completion-tokens"),
                c.getInt("min-candidates"), c.getInt("max-candidates"));
    }
}
