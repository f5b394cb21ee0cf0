package org.instructgpt.data;

import com.typesafe.config.Config;

import java.io.Serializable;
import java.util.List;

/**
 * The one way a conversation ({@code messages} of {@code {role, content}}) becomes text. The default is the Anthropic
 * HH layout, "\n\nHuman: ...\n\nAssistant:", so that imported HH transcripts and converted chat datasets read the
 * same. A prompt ends with the generation prompt ("\n\nAssistant:"); a completion starts with the completion prefix
 * (" "), so prompt + completion is exactly the transcript. Configured under {@code instructgpt.data.chat-template}.
 */
public record ChatTemplate(String systemPrefix, String userPrefix, String assistantPrefix, String generationPrompt,
                           String completionPrefix) implements Serializable {

    /** One turn of a conversation. */
    public record Message(String role, String content) implements Serializable {
    }

    public static ChatTemplate hh() {
        return new ChatTemplate("\n\nSystem: ", "\n\nHuman: ", "\n\nAssistant: ", "\n\nAssistant:", " ");
    }

    public static ChatTemplate from(Config c) {
        return new ChatTemplate(c.getString("system-prefix"), c.getString("user-prefix"), c.getString("assistant-prefix"),
                c.getString("generation-prompt"), c.getString("completion-prefix"));
    }

    /** The conversation so far, ending with the generation prompt: what the model continues. */
    public String prompt(List<Message> messages) {
        return transcript(messages) + generationPrompt;
    }

    /** An assistant answer as the continuation of {@link #prompt}. */
    public String completion(String content) {
        return completionPrefix + content;
    }

    /** All turns, each with its role's prefix. */
    public String transcript(List<Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            sb.append(prefix(m.role())).append(m.content());
        }
        return sb.toString();
    }

    private String prefix(String role) {
        return switch (role) {
            case "system" -> systemPrefix;
            case "user", "human", "prompter" -> userPrefix;
            case "assistant", "gpt", "bot" -> assistantPrefix;
            default -> throw new IllegalArgumentException("unknown message role '" + role
                    + "' (system, user/human/prompter, assistant)");
        };
    }
}
