package org.instructgpt.world;

import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A kind of instruction whose answers a program can check: it draws tasks, recognises its own messages, scores a
 * response's correctness in [0, 1], and produces the plausible mistakes that make candidate answers differ.
 */
public interface TaskFamily {
    String name();

    Task sample(SplittableRandom rng);

    /** The task behind a message of this family, or empty if the message is another family's. */
    Optional<Task> parse(String message);

    /** 1 for the right answer; partial credit for near misses; 0 otherwise. */
    default double correctness(Task task, String response) {
        return Similarity.credit(task.answer(), response);
    }

    /** A wrong but plausible answer (what a careless labeler or a weak model writes). */
    String mistake(Task task, SplittableRandom rng);
}
