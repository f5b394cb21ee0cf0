package org.instructgpt.world;

import java.io.Serializable;

/**
 * One instruction of the world: the user's message, the family it belongs to, and the answer a careful labeler
 * gives. Every family can rebuild the task from the message alone, so the gold judge needs nothing else.
 */
public record Task(String family, String message, String answer) implements Serializable {
}
