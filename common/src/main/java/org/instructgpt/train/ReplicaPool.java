package org.instructgpt.train;

import org.instructgpt.model.Gpt2Model;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Model replicas kept per executor JVM, so a task swaps parameters into an existing model (and its ND4J buffers and
 * workspaces) instead of building one per step. Tasks running at once on one executor each borrow their own replica.
 * At the end of a stretch of steps the exchange's tasks keep replicas holding the final parameters, so that the next
 * job on this executor (PPO's rollouts) can borrow them instead of fetching a broadcast of the same bytes.
 */
public final class ReplicaPool {
    private static final Map<ModelSpec, Queue<Gpt2Model>> FREE = new ConcurrentHashMap<>();
    /** Replicas holding a trainer's parameters at a version (its step), left by the exchange's tasks at its end. */
    private static final Map<ModelSpec, Queue<Kept>> KEPT = new ConcurrentHashMap<>();

    private record Kept(long key, long version, Gpt2Model model) {
    }

    private ReplicaPool() {
    }

    static Gpt2Model borrow(ModelSpec spec) {
        Gpt2Model m = free(spec).poll();
        if (m == null) {
            // A kept replica is taken over before a new one is built, so the pool does not grow from stretch to stretch.
            Kept k = kept(spec).poll();
            m = k != null ? k.model() : null;
        }
        return m != null ? m : spec.build();
    }

    /**
     * A replica to keep trainer {@code key}'s parameters at {@code version} in: the trainer's replicas kept at another
     * version are stale and go back to the free ones first, and one of those is taken, or a new one, but never one
     * kept at this version (every task of a stretch keeps its own, whether or not they shared a replica before).
     */
    static Gpt2Model forKeeping(ModelSpec spec, long key, long version) {
        Queue<Kept> q = kept(spec);
        for (Kept k : q) {
            if (k.key() == key && k.version() != version && q.remove(k)) {
                giveBack(spec, k.model());
            }
        }
        Gpt2Model m = free(spec).poll();
        return m != null ? m : spec.build();
    }

    /** Leaves {@code m}, holding trainer {@code key}'s parameters at {@code version}, for {@link #borrowKept}. */
    static void keep(ModelSpec spec, Gpt2Model m, long key, long version) {
        kept(spec).add(new Kept(key, version, m));
    }

    /** A replica holding trainer {@code key}'s parameters at {@code version}, or null if this JVM kept none. */
    static Gpt2Model borrowKept(ModelSpec spec, long key, long version) {
        Queue<Kept> q = kept(spec);
        for (Kept k : q) {
            if (k.key() == key && k.version() == version && q.remove(k)) {
                return k.model();
            }
        }
        return null;
    }

    static void giveBack(ModelSpec spec, Gpt2Model m) {
        free(spec).add(m);
    }

    private static Queue<Gpt2Model> free(ModelSpec spec) {
        return FREE.computeIfAbsent(spec, k -> new ConcurrentLinkedQueue<>());
    }

    private static Queue<Kept> kept(ModelSpec spec) {
        return KEPT.computeIfAbsent(spec, k -> new ConcurrentLinkedQueue<>());
    }

    /** Drops this JVM's idle replicas (their parameters and activation buffers), so a later stage has the memory. */
    public static void clear() {
        FREE.clear();
        KEPT.clear();
    }
}
