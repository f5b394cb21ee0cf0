package org.instructgpt.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.ChatTemplate.Message;
import org.instructgpt.data.DataRecord.Demonstration;
import org.instructgpt.data.DatasetKind;

import java.util.List;

import static org.instructgpt.data.importers.JsonFields.group;
import static org.instructgpt.data.importers.JsonFields.optionalText;
import static org.instructgpt.data.importers.JsonFields.promptId;

/**
 * TRL's prompt-completion records, {@code {"prompt": ..., "completion": ...}}, as text or as conversations, and TRL's
 * conversational language-modelling records {@code {"messages": [...]}} whose last message is the assistant's answer.
 */
public final class PromptCompletionFormat implements RecordFormat {
    @Override
    public String name() {
        return "prompt-completion";
    }

    @Override
    public DatasetKind kind() {
        return DatasetKind.DEMONSTRATIONS;
    }

    @Override
    public List<Demonstration> parse(JsonNode r, ChatTemplate t) {
        String prompt;
        String completion;
        if (!JsonFields.has(r, "prompt") && JsonFields.has(r, "messages")) {
            List<Message> ms = JsonFields.messages(r, "messages");
            if (ms.size() < 2 || !JsonFields.isAssistant(ms.get(ms.size() - 1).role())) {
                throw new FieldException("messages", "the last of at least two messages must be the assistant's answer");
            }
            prompt = render(t, ms.subList(0, ms.size() - 1));
            completion = t.completion(ms.get(ms.size() - 1).content());
        } else {
            prompt = JsonFields.prompt(r, "prompt", t);
            completion = JsonFields.completion(r, "completion", t);
        }
        return List.of(new Demonstration(promptId(r, prompt), prompt, completion, group(r), optionalText(r, "task"), null));
    }

    private static String render(ChatTemplate t, List<Message> ms) {
        try {
            return t.prompt(ms);
        } catch (IllegalArgumentException e) {
            throw new FieldException("messages", e.getMessage());
        }
    }
}
