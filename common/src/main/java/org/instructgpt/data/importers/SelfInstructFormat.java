package org.instructgpt.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.ChatTemplate.Message;
import org.instructgpt.data.DataRecord.Demonstration;
import org.instructgpt.data.DatasetKind;

import java.util.ArrayList;
import java.util.List;

/**
 * Self-instruct style tasks, {@code {"instruction", "instances": [{"input", "output"}], "name"?}}: one demonstration per
 * instance, the instruction and the instance's input (if any) as the user's message.
 */
public final class SelfInstructFormat implements RecordFormat {
    @Override
    public String name() {
        return "self-instruct";
    }

    @Override
    public DatasetKind kind() {
        return DatasetKind.DEMONSTRATIONS;
    }

    @Override
    public List<Demonstration> parse(JsonNode r, ChatTemplate t) {
        String instruction = JsonFields.text(r, "instruction");
        JsonNode instances = r.get("instances");
        if (instances == null || !instances.isArray()) {
            throw new FieldException("instances", "missing list of {input, output} instances");
        }
        if (instances.isEmpty()) {
            throw new FieldException("instances", "no instances");
        }
        String task = JsonFields.optionalText(r, "name", "task");
        List<Demonstration> out = new ArrayList<>();
        for (int i = 0; i < instances.size(); i++) {
            JsonNode inst = instances.get(i);
            String field = "instances[" + i + "]";
            if (!inst.isObject()) {
                throw new FieldException(field, "not an {input, output} object");
            }
            String input = inst.path("input").isTextual() ? inst.get("input").asText() : "";
            if (!inst.path("output").isTextual()) {
                throw new FieldException(field + ".output", "missing field");
            }
            String user = input.isEmpty() ? instruction : instruction + "\n" + input;
            String prompt = t.prompt(List.of(new Message("user", user)));
            out.add(new Demonstration(JsonFields.idOf(prompt), prompt, t.completion(inst.get("output").asText()),
                    JsonFields.group(r), task, null));
        }
        return out;
    }
}
