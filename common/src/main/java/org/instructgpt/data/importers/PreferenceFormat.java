package org.instructgpt.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import org.instructgpt.data.Candidate;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.ChatTemplate.Message;
import org.instructgpt.data.DataRecord.Comparison;
import org.instructgpt.data.DatasetKind;

import java.util.List;

import static org.instructgpt.data.importers.JsonFields.group;
import static org.instructgpt.data.importers.JsonFields.optionalText;
import static org.instructgpt.data.importers.JsonFields.promptId;

/**
 * TRL's preference records: {@code {"prompt", "chosen", "rejected"}} as text or conversations, or with an implicit
 * prompt ({@code chosen} and {@code rejected} are whole transcripts and their shared beginning is the prompt). The
 * chosen answer gets rank 1, the rejected one rank 2.
 */
public final class PreferenceFormat implements RecordFormat {
    @Override
    public String name() {
        return "preference";
    }

    @Override
    public DatasetKind kind() {
        return DatasetKind.COMPARISONS;
    }

    @Override
    public List<Comparison> parse(JsonNode r, ChatTemplate t) {
        String prompt;
        String chosen;
        String rejected;
        if (JsonFields.has(r, "prompt")) {
            prompt = JsonFields.prompt(r, "prompt", t);
            chosen = JsonFields.completion(r, "chosen", t);
            rejected = JsonFields.completion(r, "rejected", t);
        } else if (JsonFields.isConversation(r, "chosen")) {
            List<Message> c = JsonFields.messages(r, "chosen");
            List<Message> j = JsonFields.messages(r, "rejected");
            int shared = 0;
            while (shared < Math.min(c.size(), j.size()) - 1 && c.get(shared).equals(j.get(shared))) {
                shared++;
            }
            chosen = lastAnswer(c, shared, "chosen", t);
            rejected = lastAnswer(j, shared, "rejected", t);
            try {
                prompt = t.prompt(c.subList(0, shared));
            } catch (IllegalArgumentException e) {
                throw new FieldException("chosen", e.getMessage());
            }
        } else {
            String c = JsonFields.text(r, "chosen");
            String j = JsonFields.text(r, "rejected");
            int cut = implicitPromptEnd(c, j, t.generationPrompt());
            prompt = c.substring(0, cut);
            chosen = c.substring(cut);
            rejected = j.substring(cut);
        }
        return List.of(new Comparison(promptId(r, prompt), prompt,
                List.of(new Candidate(chosen, 1), new Candidate(rejected, 2)), group(r), optionalText(r, "task"), null));
    }

    private static String lastAnswer(List<Message> ms, int shared, String field, ChatTemplate t) {
        if (ms.size() != shared + 1 || !JsonFields.isAssistant(ms.get(shared).role())) {
            throw new FieldException(field, "after the shared prompt, a transcript must end in exactly one assistant message");
        }
        return t.completion(ms.get(shared).content());
    }

    /**
     * Where the implicit prompt of two transcripts ends: after the last generation prompt within their common
     * beginning, or else at the last whitespace of it (so no word is split between prompt and answer).
     */
    static int implicitPromptEnd(String a, String b, String generationPrompt) {
        int n = 0;
        int max = Math.min(a.length(), b.length());
        while (n < max && a.charAt(n) == b.charAt(n)) {
            n++;
        }
        String common = a.substring(0, n);
        int marker = generationPrompt.isEmpty() ? -1 : common.lastIndexOf(generationPrompt);
        if (marker >= 0) {
            return marker + generationPrompt.length();
        }
        int space = n;
        while (space > 0 && !Character.isWhitespace(common.charAt(space - 1))) {
            space--;
        }
        return space;
    }
}
