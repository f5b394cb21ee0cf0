package org.instructgpt.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import org.instructgpt.data.Candidate;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.ChatTemplate.Message;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DataRecord.Comparison;
import org.instructgpt.data.DataRecord.Demonstration;
import org.instructgpt.data.DatasetKind;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * OpenAssistant message trees (one tree per record: {@code {"message_tree_id", "prompt": {message_id, role, text,
 * rank, deleted, synthetic, user_id, replies: [...]}}}). For comparisons, every prompter message with at least two
 * ranked assistant replies becomes one comparison: the conversation up to it is the prompt, the replies are the
 * candidates (OpenAssistant's rank 0 becomes rank 1). For demonstrations, the best-ranked reply (or the only one) of
 * every prompter message. Deleted and synthetic messages, and everything below them, are skipped.
 */
public final class OpenAssistantFormat implements RecordFormat {
    private final DatasetKind kind;

    public OpenAssistantFormat(DatasetKind kind) {
        if (kind != DatasetKind.COMPARISONS && kind != DatasetKind.DEMONSTRATIONS) {
            throw new IllegalArgumentException("OpenAssistant trees give comparisons or demonstrations, not " + kind.id());
        }
        this.kind = kind;
    }

    @Override
    public String name() {
        return "oasst";
    }

    @Override
    public DatasetKind kind() {
        return kind;
    }

    @Override
    public List<DataRecord> parse(JsonNode r, ChatTemplate t) {
        JsonNode root = r.get("prompt");
        if (root == null || !root.isObject()) {
            throw new FieldException("prompt", "missing message tree root");
        }
        String tree = JsonFields.optionalText(r, "message_tree_id");
        List<DataRecord> out = new ArrayList<>();
        walk(root, "prompt", new ArrayList<>(), tree, t, out);
        return out;
    }

    private void walk(JsonNode node, String path, List<Message> history, String tree, ChatTemplate t, List<DataRecord> out) {
        if (node.path("deleted").asBoolean(false) || node.path("synthetic").asBoolean(false)) {
            return;
        }
        String role = JsonFields.text(node, "role");
        String text = node.path("text").isTextual() ? node.get("text").asText() : null;
        if (text == null) {
            throw new FieldException(path + ".text", "missing message text");
        }
        List<Message> here = new ArrayList<>(history);
        here.add(new Message(role.equals("prompter") ? "user" : "assistant", text));
        JsonNode replies = node.path("replies");
        List<JsonNode> kept = new ArrayList<>();
        for (JsonNode reply : replies) {
            if (!reply.path("deleted").asBoolean(false) && !reply.path("synthetic").asBoolean(false)) {
                kept.add(reply);
            }
        }
        if (role.equals("prompter")) {
            emit(node, here, kept, tree, t, out);
        }
        for (int i = 0; i < replies.size(); i++) {
            walk(replies.get(i), path + ".replies[" + i + "]", here, tree, t, out);
        }
    }

    private void emit(JsonNode prompter, List<Message> conversation, List<JsonNode> replies, String tree, ChatTemplate t,
                      List<DataRecord> out) {
        List<JsonNode> answers = replies.stream().filter(n -> "assistant".equals(n.path("role").asText())).toList();
        String prompt = t.prompt(conversation);
        String id = JsonFields.optionalText(prompter, "message_id");
        String promptId = id != null ? id : JsonFields.idOf(prompt);
        String user = JsonFields.optionalText(prompter, "user_id");
        String group = user != null ? user : tree;
        List<JsonNode> ranked = answers.stream().filter(n -> n.path("rank").isIntegralNumber()).toList();
        if (kind == DatasetKind.COMPARISONS) {
            if (ranked.size() >= 2) {
                List<Candidate> cs = ranked.stream()
                        .map(n -> new Candidate(t.completion(n.path("text").asText()), n.get("rank").asInt() + 1)).toList();
                out.add(new Comparison(promptId, prompt, cs, group, null, null));
            }
        } else {
            List<JsonNode> pool = ranked.isEmpty() ? answers : ranked;
            pool.stream().min(Comparator.comparingInt(n -> n.path("rank").asInt(0))).ifPresent(best ->
                    out.add(new Demonstration(promptId, prompt, t.completion(best.path("text").asText()), group, null, null)));
        }
    }
}
