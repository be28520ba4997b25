package org.hecnn.serving;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.hecnn.inference.service.InferenceServer;

/**
 * The open sessions of a server, under its limits: at most {@code maxSessions} sessions (uploads in progress
 * included) and {@code keyMemoryBytes} of keys. An upload first reserves the largest key set the plan allows, and the
 * reservation becomes the session's real size when the upload completes or is released when it fails. Idle sessions
 * expire. A client refused at a limit is told when to retry: the time the longest-held session is likely still to be
 * held, from the mean lifetime of the sessions closed so far (a refusal costs the client nothing, so the hint errs
 * short). Thread-safe: admission and release are synchronized, lookups are lock-free.
 */
final class SessionRegistry implements AutoCloseable {
    /** One open session: the client's keys, their size, and when it was last used. */
    static final class Entry {
        final String id;
        final InferenceServer.Session session;
        final long keyBytes;
        final long opened;
        private final AtomicLong lastUsed;
        private final AtomicInteger inFlight = new AtomicInteger();

        Entry(String id, InferenceServer.Session session, long keyBytes, long now) {
            this.id = id;
            this.session = session;
            this.keyBytes = keyBytes;
            this.opened = now;
            this.lastUsed = new AtomicLong(now);
        }

        /** Marks the start of a request (an active session does not expire). */
        void begin(long now) {
            inFlight.incrementAndGet();
            lastUsed.set(now);
        }

        /** Marks the end of a request. */
        void end(long now) {
            lastUsed.set(now);
            inFlight.decrementAndGet();
        }
    }

    private final ServingLimits limits;
    private final Map<String, Entry> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private int uploading;
    private long reservedBytes;
    /** Mean lifetime of the sessions closed so far, in nanoseconds (exponentially weighted); NaN before the first. */
    private double meanLifetimeNanos = Double.NaN;
    /** The retry hint before any session has closed. */
    static final Duration FIRST_RETRY = Duration.ofSeconds(30);

    SessionRegistry(ServingLimits limits) {
        this.limits = limits;
    }

    /**
     * Reserves room for one upload of at most {@code maxKeyBytes}.
     *
     * @throws OverloadedException at the session or key-memory limit
     */
    synchronized void reserve(long maxKeyBytes) {
        if (sessions.size() + uploading >= limits.maxSessions()) {
            throw new OverloadedException("the server holds its limit of " + limits.maxSessions() + " sessions",
                    retryHint(System.nanoTime()));
        }
        if (reservedBytes + maxKeyBytes > limits.keyMemoryBytes()) {
            throw new OverloadedException(String.format("the server's key memory is full (%.1f of %.1f MiB held, an "
                    + "upload may need %.1f MiB)", reservedBytes / 1048576.0, limits.keyMemoryBytes() / 1048576.0,
                    maxKeyBytes / 1048576.0), retryHint(System.nanoTime()));
        }
        uploading++;
        reservedBytes += maxKeyBytes;
    }

    /**
     * When a refused client should try again: the mean session lifetime minus the age of the oldest open session
     * (at least 1 s, at most a quarter of the idle expiry), or {@link #FIRST_RETRY} before any session has closed.
     */
    synchronized Duration retryHint(long now) {
        Duration most = limits.sessionIdle().dividedBy(4);
        if (Double.isNaN(meanLifetimeNanos)) {
            return FIRST_RETRY.compareTo(most) < 0 ? FIRST_RETRY : most;
        }
        long oldest = sessions.values().stream().mapToLong(e -> now - e.opened).max().orElse(0);
        long left = (long) meanLifetimeNanos - oldest;
        return Duration.ofNanos(Math.max(Duration.ofSeconds(1).toNanos(), Math.min(most.toNanos(), left)));
    }

    /** Gives back a reservation whose upload failed. */
    synchronized void release(long maxKeyBytes) {
        uploading--;
        reservedBytes -= maxKeyBytes;
    }

    /** Turns a reservation into an open session of {@code keyBytes}; returns its new random id. */
    synchronized Entry add(InferenceServer.Session session, long keyBytes, long reserved, long now) {
        uploading--;
        reservedBytes += keyBytes - reserved;
        byte[] idBytes = new byte[16];
        random.nextBytes(idBytes);
        Entry e = new Entry(HexFormat.of().formatHex(idBytes), session, keyBytes, now);
        sessions.put(e.id, e);
        return e;
    }

    /**
     * The session with this id.
     *
     * @throws SessionExpiredException if it is not held
     */
    Entry get(String id) {
        Entry e = id == null ? null : sessions.get(id);
        if (e == null) {
            throw new SessionExpiredException("session expired: the server holds no session '" + id + "' (it expired "
                    + "after " + limits.sessionIdle().toSeconds() + " s idle, was closed, or the server restarted); "
                    + "upload keys again");
        }
        return e;
    }

    /** Closes a session and frees its keys; false if it was not held. */
    boolean remove(String id) {
        Entry e;
        synchronized (this) {
            e = sessions.remove(id);
            if (e != null) {
                reservedBytes -= e.keyBytes;
                double lifetime = System.nanoTime() - e.opened;
                meanLifetimeNanos = Double.isNaN(meanLifetimeNanos) ? lifetime : 0.7 * meanLifetimeNanos + 0.3 * lifetime;
            }
        }
        if (e != null) {
            e.session.close();
        }
        return e != null;
    }

    /** Closes every session idle for longer than the limit with no request in flight; returns how many. */
    int expireIdle(long now) {
        long idleNanos = limits.sessionIdle().toNanos();
        int expired = 0;
        for (Entry e : sessions.values()) {
            if (e.inFlight.get() == 0 && now - e.lastUsed.get() > idleNanos && remove(e.id)) {
                expired++;
            }
        }
        return expired;
    }

    int size() {
        return sessions.size();
    }

    synchronized long keyBytes() {
        return reservedBytes;
    }

    synchronized int uploading() {
        return uploading;
    }

    @Override
    public void close() {
        for (String id : sessions.keySet()) {
            remove(id);
        }
    }
}
