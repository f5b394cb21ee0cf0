package org.instructgpt.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.ChatTemplate.Message;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Reading the fields of an input record, with errors that name the field. */
public final class JsonFields {
    private JsonFields() {
    }

    public static boolean has(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    /** A required string field (it may be empty: emptiness is a validation rule, reported as such). */
    public static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new FieldException(field, "missing field");
        }
        if (!v.isTextual()) {
            throw new FieldException(field, "not a string: " + v.getNodeType().toString().toLowerCase());
        }
        return v.asText();
    }

    /** The first of these string fields that is present, or null. */
    public static String optionalText(JsonNode node, String... fields) {
        for (String f : fields) {
            JsonNode v = node.get(f);
            if (v != null && !v.isNull()) {
                return v.isTextual() ? v.asText() : v.toString();
            }
        }
        return null;
    }

    /** The user or customer a record belongs to, if it says. */
    public static String group(JsonNode node) {
        return optionalText(node, "group_id", "user_id", "customer_id");
    }

    public static boolean isConversation(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isArray();
    }

    /** A list of {role, content} messages. */
    public static List<Message> messages(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new FieldException(field, "missing field");
        }
        if (!v.isArray()) {
            throw new FieldException(field, "not a list of messages");
        }
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode m = v.get(i);
            if (!m.isObject() || !m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw new FieldException(field + "[" + i + "]", "not a message with string 'role' and 'content'");
            }
            out.add(new Message(m.get("role").asText(), m.get("content").asText()));
        }
        return out;
    }

    /** A prompt given as text or as a conversation (rendered with the template, ending in the generation prompt). */
    public static String prompt(JsonNode node, String field, ChatTemplate t) {
        if (isConversation(node, field)) {
            List<Message> ms = messages(node, field);
            try {
                return t.prompt(ms);
            } catch (IllegalArgumentException e) {
                throw new FieldException(field, e.getMessage());
            }
        }
        return text(node, field);
    }

    /** A completion given as text or as a conversation of one assistant message. */
    public static String completion(JsonNode node, String field, ChatTemplate t) {
        if (isConversation(node, field)) {
            List<Message> ms = messages(node, field);
            if (ms.size() != 1 || !isAssistant(ms.get(0).role())) {
                throw new FieldException(field, "a conversational completion must be exactly one assistant message");
            }
            return t.completion(ms.get(0).content());
        }
        return text(node, field);
    }

    public static boolean isAssistant(String role) {
        return role.equals("assistant") || role.equals("gpt") || role.equals("bot");
    }

    /** The record's own prompt id, or a stable one derived from the prompt text. */
    public static String promptId(JsonNode node, String prompt) {
        String own = optionalText(node, "prompt_id", "id");
        return own != null ? own : idOf(prompt);
    }

    /** "p" and the first 16 hex digits of the SHA-256 of the text. */
    public static String idOf(String text) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "p" + HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
