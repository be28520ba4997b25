package org.hecnn.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.hecnn.backend.host.LimbExecutor;

/**
 * Runs per-limb tasks on a dedicated {@link ForkJoinPool}. The default pool's size is the system property
 * {@value #THREADS_PROPERTY} (else {@link Runtime#availableProcessors()}); with one thread, or a single task,
 * the work runs on the calling thread. Calls may nest (a task may call {@link #forEach} again): a call from a
 * worker of this pool forks into the same pool instead of blocking on it.
 */
public final class ForkJoinLimbExecutor implements LimbExecutor, AutoCloseable {
    /** System property with the number of worker threads of the shared executor. */
    public static final String THREADS_PROPERTY = "hecnn.threads";

    private static volatile ForkJoinLimbExecutor shared;
    private static final AtomicInteger POOL_IDS = new AtomicInteger();

    private final int threads;
    private final ForkJoinPool pool;

    /** An executor with its own pool of {@code threads} daemon workers (none when threads == 1). */
    public ForkJoinLimbExecutor(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1: " + threads);
        }
        this.threads = threads;
        if (threads == 1) {
            pool = null;
        } else {
            String prefix = "hecnn-cpu-" + POOL_IDS.incrementAndGet() + "-";
            AtomicInteger ids = new AtomicInteger();
            ForkJoinPool.ForkJoinWorkerThreadFactory factory = p -> {
                ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
                t.setName(prefix + ids.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            pool = new ForkJoinPool(threads, factory, null, false);
        }
    }

    /** The process-wide executor sized by {@value #THREADS_PROPERTY}. */
    public static ForkJoinLimbExecutor shared() {
        ForkJoinLimbExecutor s = shared;
        if (s == null) {
            synchronized (ForkJoinLimbExecutor.class) {
                s = shared;
                if (s == null) {
                    s = new ForkJoinLimbExecutor(configuredThreads());
                    shared = s;
                }
            }
        }
        return s;
    }

    /** {@value #THREADS_PROPERTY} if set to a positive integer, else the number of available processors. */
    public static int configuredThreads() {
        String value = System.getProperty(THREADS_PROPERTY);
        if (value == null || value.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException(THREADS_PROPERTY + " must be a positive integer, got '" + value + "'");
    }

    public int threads() {
        return threads;
    }

    @Override
    public void forEach(int count, IntConsumer body) {
        if (count <= 0) {
            return;
        }
        if (pool == null || count == 1) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        // Failures are caught per task and the first one is rethrown as is (ForkJoinPool would wrap an exception
        // thrown on another thread); the others are attached to it as suppressed.
        AtomicReference<Throwable> failure = new AtomicReference<>();
        IntConsumer guarded = i -> {
            if (failure.get() != null) {
                return;
            }
            try {
                body.accept(i);
            } catch (Throwable t) {
                if (!failure.compareAndSet(null, t)) {
                    failure.get().addSuppressed(t);
                }
            }
        };
        Range task = new Range(guarded, 0, count);
        if (Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool) {
            task.invoke();
        } else {
            pool.invoke(task);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    /** Splits [lo, hi) in halves down to single indices. */
    private static final class Range extends RecursiveAction {
        private final IntConsumer body;
        private final int lo;
        private final int hi;

        Range(IntConsumer body, int lo, int hi) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.accept(lo);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Range(body, lo, mid), new Range(body, mid, hi));
        }
    }

    /** Stops this executor's workers (the {@link #shared()} executor ignores this: it lives with the JVM). */
    @Override
    public void close() {
        if (pool != null && this != shared) {
            pool.shutdown();
        }
    }

    @Override
    public String toString() {
        return "ForkJoinLimbExecutor[" + threads + " threads]";
    }
}
