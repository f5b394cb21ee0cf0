package org.instructgpt.model.cpu;

import org.instructgpt.model.GptConfig;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Activation buffers for passes with no backward after them, shared by every array-engine model of one shape in this
 * JVM: such a pass keeps nothing once it returns, so a task that scores with four models in turn (PPO's policy,
 * reference, value and reward model) needs one set, not four. Each pass borrows a set and gives it back; sets are
 * made as concurrent passes need them.
 */
public final class EvalActivations {
    private static final Map<String, Queue<ArrayActivations>> FREE = new ConcurrentHashMap<>();

    private EvalActivations() {
    }

    static ArrayActivations borrow(GptConfig cfg) {
        ArrayActivations a = FREE.computeIfAbsent(shape(cfg), k -> new ConcurrentLinkedQueue<>()).poll();
        return a != null ? a : new ArrayActivations(cfg);
    }

    static void giveBack(GptConfig cfg, ArrayActivations a) {
        FREE.computeIfAbsent(shape(cfg), k -> new ConcurrentLinkedQueue<>()).add(a);
    }

    /** Lets the buffers go (between the stages of a pipeline, with the model pools). */
    public static void clear() {
        FREE.clear();
    }

    /** Sets held now, for tests. */
    static int held() {
        return FREE.values().stream().mapToInt(Queue::size).sum();
    }

    private static String shape(GptConfig c) {
        return c.vocabSize + "/" + c.nPositions + "/" + c.nEmbd + "/" + c.nInner + "/" + c.nLayer + "/" + c.nHead;
    }
}
