package org.instructgpt.train;

import com.typesafe.config.Config;

import java.io.Serializable;
import java.time.Duration;

/**
 * How the partitions' gradients reach the driver ({@code instructgpt.train.exchange}). {@code socket}: a stretch of
 * steps runs as one Spark job whose tasks stay up and trade gradients for parameters with the driver over a socket
 * ({@link DriverExchange}), so a step costs no job, broadcast or collect. {@code job}: a Spark job per step. Both give
 * the same bits; the socket falls back to jobs whenever a task cannot join within {@code timeout} (fewer task slots
 * than partitions, an executor lost and not replaced).
 *
 * @param port     the driver's port for the exchange (0: any free one; set it where a firewall lets only known ports in)
 * @param inMemory tasks that run in the driver's JVM (local mode) trade through memory rather than the loopback socket
 *                 (the same messages, so the same bits; off only to test or measure the socket in local mode)
 * @param driverThreads threads of the driver's update (the mean gradient, its norm, AdamW) while the partitions wait
 *                 for it; 0: the driver's cores. Any number gives the same bits.
 */
public record ExchangeSettings(Mode mode, int port, Duration timeout, boolean inMemory, int driverThreads)
        implements Serializable {
    /** What the reference configuration holds. */
    public static final ExchangeSettings DEFAULT = new ExchangeSettings(Mode.SOCKET, 0, Duration.ofSeconds(60), true, 0);

    public enum Mode { SOCKET, JOB }

    public ExchangeSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("exchange.port " + port + " is not a TCP port (0 picks a free one)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("exchange.timeout must be positive, not " + timeout);
        }
        if (driverThreads < 0) {
            throw new IllegalArgumentException("exchange.driver-threads must be 0 (the driver's cores) or more, not "
                    + driverThreads);
        }
    }

    /**
     * From a stage's section with {@code instructgpt.train} as fallback: {@code exchange { mode, port, timeout,
     * in-memory }}.
     */
    public static ExchangeSettings from(Config c) {
        String mode = c.getString("exchange.mode");
        Mode m = switch (mode) {
            case "socket" -> Mode.SOCKET;
            case "job" -> Mode.JOB;
            default -> throw new IllegalArgumentException("exchange.mode is \"" + mode + "\": use socket or job");
        };
        return new ExchangeSettings(m, c.getInt("exchange.port"), c.getDuration("exchange.timeout"),
                c.getBoolean("exchange.in-memory"), c.getInt("exchange.driver-threads"));
    }

    public ExchangeSettings withMode(Mode m) {
        return new ExchangeSettings(m, port, timeout, inMemory, driverThreads);
    }

    public ExchangeSettings withTimeout(Duration t) {
        return new ExchangeSettings(mode, port, t, inMemory, driverThreads);
    }

    public ExchangeSettings withInMemory(boolean on) {
        return new ExchangeSettings(mode, port, timeout, on, driverThreads);
    }
}
