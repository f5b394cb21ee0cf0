package org.instructgpt.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The world's task families: the trained ones (in SFT and RM data) and the held-out ones (only in evaluation). */
public final class Families {
    /** Closed-domain questions (the answer is in the prompt): where the gold judge counts hallucinations. */
    public static final String CLOSED_DOMAIN = "lookup";
    /** Questions with an imitative falsehood (TruthfulQA's kind): where the gold judge counts falsehoods. */
    public static final String FACTS = "fact";
    /** "One word about X", with or without the respectful instruction: where forbidden words are invited. */
    public static final String DESCRIBE = "describe";
    private final List<TaskFamily> trained;
    private final List<TaskFamily> heldOut;

    public Families(FactBook facts) {
        trained = List.of(new ReverseFamily(), new SortFamily(), new AddFamily(), new UppercaseFamily(), new LookupFamily(),
                new FactFamily(facts), new DescribeFamily());
        heldOut = List.of(new RepeatFamily(), new CountFamily());
    }

    public List<TaskFamily> trained() {
        return trained;
    }

    public List<TaskFamily> heldOut() {
        return heldOut;
    }

    public List<TaskFamily> all() {
        List<TaskFamily> all = new ArrayList<>(trained);
        all.addAll(heldOut);
        return all;
    }

    public TaskFamily named(String name) {
        return all().stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no task family '" + name + "'"));
    }

    /** The task behind a user message, if any family recognises it. */
    public Optional<Task> parse(String message) {
        for (TaskFamily f : all()) {
            Optional<Task> t = f.parse(message);
            if (t.isPresent()) {
                return t;
            }
        }
        return Optional.empty();
    }
}
