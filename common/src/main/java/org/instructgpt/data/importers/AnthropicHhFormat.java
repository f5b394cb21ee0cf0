package org.instructgpt.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import org.instructgpt.data.Candidate;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.DataRecord.Comparison;
import org.instructgpt.data.DatasetKind;

import java.util.List;

import static org.instructgpt.data.importers.JsonFields.group;
import static org.instructgpt.data.importers.JsonFields.promptId;

/**
 * Anthropic HH-RLHF records: {@code chosen} and {@code rejected} are whole transcripts
 * ("\n\nHuman: ...\n\nAssistant: ..."). The prompt is their shared beginning up to and including the last
 * "\n\nAssistant:" before they differ; the two final assistant turns are the candidates (chosen rank 1).
 */
public final class AnthropicHhFormat implements RecordFormat {
    static final String HUMAN = "\n\nHuman:";
    static final String ASSISTANT = "\n\nAssistant:";

    @Override
    public String name() {
        return "hh";
    }

    @Override
    public DatasetKind kind() {
        return DatasetKind.COMPARISONS;
    }

    @Override
    public List<Comparison> parse(JsonNode r, ChatTemplate t) {
        String chosen = JsonFields.text(r, "chosen");
        String rejected = JsonFields.text(r, "rejected");
        requireTranscript(chosen, "chosen");
        requireTranscript(rejected, "rejected");
        int n = 0;
        int max = Math.min(chosen.length(), rejected.length());
        while (n < max && chosen.charAt(n) == rejected.charAt(n)) {
            n++;
        }
        int marker = chosen.substring(0, n).lastIndexOf(ASSISTANT);
        if (marker < 0) {
            throw new FieldException("chosen", "the transcripts differ before the first \"\\n\\nAssistant:\"");
        }
        int cut = marker + ASSISTANT.length();
        String prompt = chosen.substring(0, cut);
        String a = chosen.substring(cut);
        String b = rejected.substring(cut);
        if (a.contains(HUMAN) || b.contains(HUMAN)) {
            throw new FieldException(a.contains(HUMAN) ? "chosen" : "rejected",
                    "the transcripts differ before their final assistant turn");
        }
        return List.of(new Comparison(promptId(r, prompt), prompt, List.of(new Candidate(a, 1), new Candidate(b, 2)),
                group(r), JsonFields.optionalText(r, "task"), null));
    }

    private static void requireTranscript(String s, String field) {
        if (!s.startsWith(HUMAN) || !s.contains(ASSISTANT)) {
            throw new FieldException(field, "not an HH transcript (\"\\n\\nHuman: ...\\n\\nAssistant: ...\")");
        }
    }
}
