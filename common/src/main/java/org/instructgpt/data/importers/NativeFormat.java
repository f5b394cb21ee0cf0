package org.instructgpt.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import org.instructgpt.data.Candidate;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DataRecord.Comparison;
import org.instructgpt.data.DataRecord.Demonstration;
import org.instructgpt.data.DataRecord.Document;
import org.instructgpt.data.DataRecord.Prompt;
import org.instructgpt.data.DatasetKind;

import java.util.ArrayList;
import java.util.List;

import static org.instructgpt.data.importers.JsonFields.group;
import static org.instructgpt.data.importers.JsonFields.optionalText;
import static org.instructgpt.data.importers.JsonFields.promptId;

/**
 * Records already in our column names (DatasetKind's schemas; ids, group and task optional): pre-training
 * {@code text}; {@code prompt} + {@code completion}; {@code prompt} + {@code candidates: [{completion, rank}]};
 * {@code prompt} alone (TRL's prompt-only format). Prompts and completions may be conversations.
 */
public final class NativeFormat implements RecordFormat {
    private final DatasetKind kind;

    public NativeFormat(DatasetKind kind) {
        this.kind = kind;
    }

    @Override
    public String name() {
        return "native";
    }

    @Override
    public DatasetKind kind() {
        return kind;
    }

    @Override
    public List<DataRecord> parse(JsonNode r, ChatTemplate t) {
        String task = optionalText(r, "task");
        return switch (kind) {
            case PRETRAIN -> {
                String text = JsonFields.text(r, "text");
                String id = optionalText(r, "doc_id", "id");
                yield List.of(new Document(id != null ? id : JsonFields.idOf(text), text, null));
            }
            case DEMONSTRATIONS -> {
                String prompt = JsonFields.prompt(r, "prompt", t);
                yield List.of(new Demonstration(promptId(r, prompt), prompt, JsonFields.completion(r, "completion", t),
                        group(r), task, null));
            }
            case COMPARISONS -> {
                String prompt = JsonFields.prompt(r, "prompt", t);
                yield List.of(new Comparison(promptId(r, prompt), prompt, candidates(r), group(r), task, null));
            }
            case PROMPTS -> {
                String prompt = JsonFields.prompt(r, "prompt", t);
                yield List.of(new Prompt(promptId(r, prompt), prompt, group(r), task, null));
            }
        };
    }

    private static List<Candidate> candidates(JsonNode r) {
        JsonNode cs = r.get("candidates");
        if (cs == null || !cs.isArray()) {
            throw new FieldException("candidates", "missing list of {completion, rank}");
        }
        List<Candidate> out = new ArrayList<>();
        for (int i = 0; i < cs.size(); i++) {
            JsonNode c = cs.get(i);
            String f = "candidates[" + i + "]";
            if (!c.path("completion").isTextual()) {
                throw new FieldException(f + ".completion", "missing field");
            }
            if (!c.path("rank").isIntegralNumber()) {
                throw new FieldException(f + ".rank", "missing or not an integer");
            }
            out.add(new Candidate(c.get("completion").asText(), c.get("rank").asInt()));
        }
        return out;
    }
}
