package org.hecnn.serving;

import java.time.Duration;
import org.hecnn.HecnnException;

/**
 * The limits that keep a server alive under any load: how many sessions it holds, how many bytes of evaluation keys
 * all sessions together may hold, how long an idle session lives, how many evaluations run at once and how many wait,
 * and how long a shutdown waits for accepted work. Immutable.
 *
 * @param maxSessions        sessions held at once (each holds one client's evaluation keys)
 * @param keyMemoryBytes     bytes of evaluation keys (as the engine holds them) all sessions may hold together; 0 sizes
 *                           it from the heap when the server starts ({@link MemoryBudget})
 * @param maxKeyUploadBytes  the largest key upload accepted; 0 takes the bound the served network's keys allow
 * @param sessionIdle        an idle session expires after this ("session expired: upload keys again")
 * @param workers            evaluations running at once
 * @param queueCapacity      accepted evaluations waiting for a worker; beyond it requests are refused as overload
 * @param shutdownGrace      how long a shutdown lets accepted evaluations finish
 */
public record ServingLimits(int maxSessions, long keyMemoryBytes, long maxKeyUploadBytes, Duration sessionIdle,
                            int workers, int queueCapacity, Duration shutdownGrace) {
    public ServingLimits {
        check(maxSessions >= 1 && maxSessions <= 100_000, "--max-sessions must be 1..100000, got " + maxSessions);
        check(keyMemoryBytes == 0 || keyMemoryBytes >= 1 << 20, "--key-memory must be at least 1 MiB (0: sized from "
                + "the heap), got " + keyMemoryBytes + " bytes");
        check(maxKeyUploadBytes >= 0, "--max-key-upload must not be negative (0: the network's bound), got "
                + maxKeyUploadBytes);
        check(!sessionIdle.isNegative() && !sessionIdle.isZero(), "--session-idle must be positive, got " + sessionIdle);
        check(workers >= 1 && workers <= 1024, "--workers must be 1..1024, got " + workers);
        check(queueCapacity >= 0 && queueCapacity <= 1_000_000, "--queue must be 0..1000000, got " + queueCapacity);
        check(!shutdownGrace.isNegative(), "--shutdown-grace must not be negative, got " + shutdownGrace);
    }

    /**
     * Defaults: 16 sessions, keys sized from the heap when the server starts ({@link MemoryBudget}: what the model and
     * an evaluation leave of 80% of the heap; ResNet-20's keys take 6.0 GiB in a CPU engine), 15 minutes idle, one
     * evaluation at a time (an evaluation already uses every core), 8 waiting, 60 s of grace.
     */
    public static ServingLimits defaults() {
        return new ServingLimits(16, 0, 0, Duration.ofMinutes(15), 1, 8, Duration.ofSeconds(60));
    }

    /** These limits with the key memory set to {@code bytes}. */
    public ServingLimits withKeyMemory(long bytes) {
        return new ServingLimits(maxSessions, bytes, maxKeyUploadBytes, sessionIdle, workers, queueCapacity,
                shutdownGrace);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new HecnnException(message);
        }
    }
}
