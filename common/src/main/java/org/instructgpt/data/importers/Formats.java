package org.instructgpt.data.importers;

import org.instructgpt.data.DatasetKind;

import java.util.List;

/** The input formats by name. */
public final class Formats {
    public static final List<String> NAMES = List.of("native", "prompt-completion", "preference", "hh", "oasst",
            "self-instruct");

    private Formats() {
    }

    /**
     * @param kind the dataset to produce; needed for {@code native} and {@code oasst}, checked against the others
     *             (null: the format's own)
     */
    public static RecordFormat of(String name, DatasetKind kind) {
        RecordFormat f = switch (name) {
            case "native" -> new NativeFormat(require(kind, name));
            case "prompt-completion" -> new PromptCompletionFormat();
            case "preference" -> new PreferenceFormat();
            case "hh" -> new AnthropicHhFormat();
            case "oasst" -> new OpenAssistantFormat(kind == null ? DatasetKind.COMPARISONS : kind);
            case "self-instruct" -> new SelfInstructFormat();
            default -> throw new IllegalArgumentException("unknown input format '" + name + "' (one of " + NAMES + ")");
        };
        if (kind != null && f.kind() != kind) {
            throw new IllegalArgumentException("format '" + name + "' gives " + f.kind().id() + ", not " + kind.id());
        }
        return f;
    }

    private static DatasetKind require(DatasetKind kind, String name) {
        if (kind == null) {
            throw new IllegalArgumentException("format '" + name + "' needs the dataset kind (--kind)");
        }
        return kind;
    }
}
