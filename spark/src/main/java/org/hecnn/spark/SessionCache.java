package org.hecnn.spark;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.hecnn.inference.service.InferenceServer;

/**
 * An executor's sessions (one client's evaluation keys each, as the engine holds them), keyed by the session name
 * (the key set's fingerprint): each key file is read once per executor however many of its requests the executor
 * evaluates, by however many task threads at once. At most {@code capacity} sessions are kept; beyond that the least
 * recently used one that no task is using is closed (a session in use is never closed). A key file that is not a
 * key set of this service is remembered as such, so its session's other requests fail at once with the same error.
 * Thread-safe.
 */
final class SessionCache {
    /** Loads a session's keys. */
    @FunctionalInterface
    interface Loader {
        InferenceServer.Session load() throws Exception;
    }

    private static final class Slot {
        final CompletableFuture<InferenceServer.Session> session = new CompletableFuture<>();
        int users;
    }

    /** A session held by a task until it closes the lease. */
    final class Lease implements AutoCloseable {
        private final String name;
        private final Slot slot;
        private final InferenceServer.Session session;

        private Lease(String name, Slot slot, InferenceServer.Session session) {
            this.name = name;
            this.slot = slot;
            this.session = session;
        }

        InferenceServer.Session session() {
            return session;
        }

        @Override
        public void close() {
            release(name, slot);
        }
    }

    private final int capacity;
    private final LinkedHashMap<String, Slot> slots = new LinkedHashMap<>(16, 0.75f, true);
    private int loads;

    SessionCache(int capacity) {
        this.capacity = capacity;
    }

    /** Key sets loaded so far (failed loads of a bad key file included). */
    synchronized int loads() {
        return loads;
    }

    /**
     * The session {@code name}, loaded with {@code loader} unless this executor holds it already.
     *
     * @throws BatchInputException if the key file is not a key set of this service (now or at an earlier load)
     */
    Lease acquire(String name, Loader loader) throws Exception {
        Slot slot;
        boolean load;
        synchronized (this) {
            slot = slots.get(name);
            load = slot == null;
            if (load) {
                slot = new Slot();
                slots.put(name, slot);
                loads++;
            }
            slot.users++;
        }
        if (load) {
            try {
                slot.session.complete(loader.load());
            } catch (Throwable t) {
                slot.session.completeExceptionally(t);
                if (!(t instanceof BatchInputException)) {
                    synchronized (this) { // a transient failure is not remembered: the next task tries again
                        slots.remove(name, slot);
                    }
                }
            }
        }
        try {
            return new Lease(name, slot, slot.session.join());
        } catch (CompletionException e) {
            release(name, slot);
            Throwable cause = e.getCause();
            throw cause instanceof Exception ex ? ex : new RuntimeException(cause);
        }
    }

    private synchronized void release(String name, Slot slot) {
        slot.users--;
        evict();
    }

    /** Closes least recently used idle sessions while more than {@code capacity} are held. */
    private void evict() {
        Iterator<Map.Entry<String, Slot>> it = slots.entrySet().iterator();
        while (slots.size() > capacity && it.hasNext()) {
            Slot s = it.next().getValue();
            if (s.users == 0 && s.session.isDone()) {
                it.remove();
                if (!s.session.isCompletedExceptionally()) {
                    s.session.join().close();
                }
            }
        }
    }

    /** Closes every session (no task may be using one). */
    synchronized void clear() {
        for (Slot s : slots.values()) {
            if (s.session.isDone() && !s.session.isCompletedExceptionally()) {
                s.session.join().close();
            }
        }
        slots.clear();
    }
}
