package org.instructgpt.train;

import org.instructgpt.model.Gpt2Model;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Model replicas kept per executor JVM, so a task swaps parameters into an existing model (and its ND4J buffers and
 * workspaces) instead of building one per step. Tasks running at once on one executor each borrow their own replica.
 */
public final class ReplicaPool {
    private static final Map<ModelSpec, Queue<Gpt2Model>> FREE = new ConcurrentHashMap<>();

    private ReplicaPool() {
    }

    static Gpt2Model borrow(ModelSpec spec) {
        Gpt2Model m = FREE.computeIfAbsent(spec, k -> new ConcurrentLinkedQueue<>()).poll();
        return m != null ? m : spec.build();
    }

    static void giveBack(ModelSpec spec, Gpt2Model m) {
        FREE.computeIfAbsent(spec, k -> new ConcurrentLinkedQueue<>()).add(m);
    }

    /** Drops this JVM's idle replicas (their parameters and activation buffers), so a later stage has the memory. */
    public static void clear() {
        FREE.clear();
    }
}
