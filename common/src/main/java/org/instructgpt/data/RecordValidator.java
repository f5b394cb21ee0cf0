package org.instructgpt.data;

import org.instructgpt.data.DataRecord.Comparison;
import org.instructgpt.data.DataRecord.Demonstration;
import org.instructgpt.data.DataRecord.Document;
import org.instructgpt.data.DataRecord.Prompt;
import org.instructgpt.tokenizer.Tokenizer;
import org.instructgpt.tokenizer.Tokenizers;

import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules every imported row must pass, the same for all input formats. {@link #check} returns the first rule a row
 * breaks, as a {@link Problem} whose reason starts with the rule's name ("empty field", "invalid UTF-8",
 * "K out of range", "inconsistent ranks", "duplicate candidates"). Length is not validity: {@link #overLength} names
 * the first field longer than the configured token limits, which the import counts and keeps (the training stages
 * know the model's context and truncate or drop what does not fit).
 */
public final class RecordValidator implements Serializable {
    private final Limits limits;

    /** The field a row fails on and why. */
    public record Problem(String field, String reason) implements Serializable {
    }

    public RecordValidator(Limits limits) {
        this.limits = limits;
    }

    /** The first broken rule, or null if the row is valid. */
    public Problem check(DataRecord r) {
        if (r instanceof Document d) {
            return text("text", d.text());
        }
        if (r instanceof Prompt p) {
            return text("prompt", p.prompt());
        }
        if (r instanceof Demonstration d) {
            return first(text("prompt", d.prompt()), () -> text("completion", d.completion()));
        }
        Comparison c = (Comparison) r;
        return first(text("prompt", c.prompt()), () -> candidates(c.candidates()));
    }

    /**
     * The first field of a valid row with more tokens than the limits allow ("prompt over max-prompt-tokens: 612 >
     * 512"), or null; documents have no limit.
     */
    public Problem overLength(DataRecord r) {
        if (r instanceof Prompt p) {
            return tokens("prompt", p.prompt(), limits.maxPromptTokens());
        }
        if (r instanceof Demonstration d) {
            return first(tokens("prompt", d.prompt(), limits.maxPromptTokens()),
                    () -> tokens("completion", d.completion(), limits.maxCompletionTokens()));
        }
        if (r instanceof Comparison c) {
            Problem p = tokens("prompt", c.prompt(), limits.maxPromptTokens());
            for (int i = 0; p == null && i < c.candidates().size(); i++) {
                p = tokens("candidates[" + i + "].completion", c.candidates().get(i).completion(), limits.maxCompletionTokens());
            }
            return p;
        }
        return null;
    }

    private Problem tokens(String field, String value, int maxTokens) {
        int n = tokenizer().encode(value).length;
        if (n <= maxTokens) {
            return null;
        }
        String rule = field.startsWith("prompt") ? "prompt over max-prompt-tokens" : "completion over max-completion-tokens";
        return new Problem(field, rule + ": " + n + " > " + maxTokens);
    }

    private static Problem first(Problem p, java.util.function.Supplier<Problem> next) {
        return p != null ? p : next.get();
    }

    private Problem text(String field, String value) {
        if (value == null || value.isBlank()) {
            return new Problem(field, "empty field");
        }
        int bad = invalidUtf16(value);
        if (bad >= 0) {
            return new Problem(field, "invalid UTF-8: undecodable or unpaired character at offset " + bad);
        }
        return null;
    }

    private Problem candidates(List<Candidate> cs) {
        int k = cs.size();
        if (k < limits.minCandidates() || k > limits.maxCandidates()) {
            return new Problem("candidates", "K out of range: K=" + k + ", allowed " + limits.minCandidates() + ".."
                    + limits.maxCandidates());
        }
        int best = Integer.MAX_VALUE;
        int worst = Integer.MIN_VALUE;
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < k; i++) {
            Candidate c = cs.get(i);
            String f = "candidates[" + i + "].completion";
            Problem p = text(f, c.completion());
            if (p != null) {
                return p;
            }
            if (c.rank() < 1 || c.rank() > k) {
                return new Problem("candidates[" + i + "].rank", "inconsistent ranks: rank " + c.rank()
                        + " outside 1.." + k);
            }
            best = Math.min(best, c.rank());
            worst = Math.max(worst, c.rank());
            Integer dup = seen.putIfAbsent(c.completion().strip(), i);
            if (dup != null) {
                return new Problem(f, "duplicate candidates: #" + dup + " and #" + i + " are the same answer");
            }
        }
        if (best != 1) {
            return new Problem("candidates", "inconsistent ranks: the best rank is " + best + ", not 1");
        }
        if (best == worst) {
            return new Problem("candidates", "inconsistent ranks: all " + k + " candidates tied, no preference");
        }
        return null;
    }

    private Tokenizer tokenizer() {
        return Tokenizers.forSpec(limits.tokenizer());
    }

    /**
     * The offset of a character that cannot have come from valid UTF-8: the replacement character U+FFFD (what a
     * decoder puts for undecodable bytes) or half of a surrogate pair; -1 if none.
     */
    static int invalidUtf16(String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\uFFFD') {
                return i;
            }
            if (Character.isHighSurrogate(ch)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return i;
                }
                i++;
            } else if (Character.isLowSurrogate(ch)) {
                return i;
            }
        }
        return -1;
    }
}
