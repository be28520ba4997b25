package org.hecnn.inference.service;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;
import org.hecnn.rlwe.SwitchingKey;

/**
 * Makes a client's switching keys a few ahead of the writer that streams them, on every core: while one key is
 * written (or uploaded), the next ones are being generated, and at most {@code window} finished keys wait, so a key
 * set larger than memory is never held whole. Keys must be taken in the order given; one writer at a time.
 */
final class KeysAhead implements AutoCloseable {
    private final List<Integer> order;
    private final IntFunction<SwitchingKey> make;
    private final int window;
    private final ExecutorService pool;
    private final Deque<CompletableFuture<SwitchingKey>> pending = new ArrayDeque<>();
    private int next;

    /** Will make the keys of {@code order} (relinearisation 0, else a Galois element) with {@code make}. */
    KeysAhead(List<Integer> order, IntFunction<SwitchingKey> make, int window) {
        this.order = List.copyOf(order);
        this.make = make;
        this.window = window;
        this.pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "hecnn-keygen");
            t.setDaemon(true);
            return t;
        });
        fill();
    }

    /** The key for {@code role}, which must be the next one in the order. */
    SwitchingKey take(int role) {
        CompletableFuture<SwitchingKey> head = pending.pollFirst();
        int expected = order.get(next - pending.size() - 1);
        if (head == null || expected != role) {
            throw new IllegalStateException("keys taken out of order: wanted " + role + ", next is " + expected);
        }
        fill();
        try {
            return head.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private void fill() {
        while (pending.size() < window && next < order.size()) {
            int role = order.get(next++);
            pending.addLast(CompletableFuture.supplyAsync(() -> make.apply(role), pool));
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
