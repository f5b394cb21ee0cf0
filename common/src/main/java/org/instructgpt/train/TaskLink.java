package org.instructgpt.train;

import java.io.IOException;

/**
 * A task's end of its link to the {@link DriverExchange}: {@link #next} is the next trainer's step and parameters,
 * {@link #reply} sends that step's result back.
 */
interface TaskLink extends AutoCloseable {
    /** One trainer's step and its parameters (read-only for the task). */
    record Step(int trainer, long step, byte[] params) {
    }

    /** The next step, or null when the driver says the steps are over. */
    Step next() throws IOException, InterruptedException;

    void reply(int trainer, ShardResult result) throws IOException;

    @Override
    void close() throws IOException;
}
