package org.instructgpt.train;

import java.io.IOException;

/**
 * A task's end of its link to the {@link DriverExchange}: {@link #next} is the next trainer's step and parameters,
 * {@link #reply} sends that step's result back. Where the objectives depend on the data
 * ({@link DataDependentObjectives}), the task first sends its rows' {@link #summary} and then reads the driver's
 * {@link #PLAN}.
 */
interface TaskLink extends AutoCloseable {
    /** The trainer code of the driver's plan (the trainers' shards, Java-serialised in its bytes) and of a summary. */
    int PLAN = -2;

    /** One trainer's step and its parameters (read-only for the task), or the {@link #PLAN}. */
    record Step(int trainer, long step, byte[] params) {
    }

    /** The partition's summary of its rows (Java-serialised), before any result. */
    void summary(byte[] summary) throws IOException;

    /** The next step, or null when the driver says the steps are over. */
    Step next() throws IOException, InterruptedException;

    /** Sends a result; its gradient's bytes must not change until the next call of reply has returned. */
    void reply(int trainer, ShardResult result) throws IOException;

    @Override
    void close() throws IOException;
}
