package org.hecnn.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import org.hecnn.backend.host.LimbExecutor;

/**
 * Runs per-limb tasks on a dedicated {@link ForkJoinPool}. The default pool's size is the system property
 * {@value #THREADS_PROPERTY} (else {@link Runtime#availableProcessors()}); with one thread, or a single task,
 * the work runs on the calling thread. Calls may nest (a task may call {@link #forEach} again): a call from a
 * worker of this pool forks into the same pool instead of blocking on it. A task's failure is rethrown to the
 * caller as is, and a worker that dies inside the pool (an exhausted heap) ends the call with its error instead of
 * leaving the caller waiting.
 */
public final class ForkJoinLimbExecutor implements LimbExecutor, AutoCloseable {
    /** System property with the number of worker threads of the shared executor. */
    public static final String THREADS_PROPERTY = "hecnn.threads";

    private static volatile ForkJoinLimbExecutor shared;
    private static final AtomicInteger POOL_IDS = new AtomicInteger();

    /** How often a waiting caller checks whether a worker died (a finished call wakes it at once). */
    private static final long DEATH_CHECK_NANOS = 100_000_000L;

    private final int threads;
    private final ForkJoinPool pool;
    private final AtomicInteger workerDeaths = new AtomicInteger();
    private volatile Throwable lastWorkerDeath;

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
            Thread.UncaughtExceptionHandler recordDeath = (worker, cause) -> {
                lastWorkerDeath = cause;
                workerDeaths.incrementAndGet();
            };
            pool = new ForkJoinPool(threads, factory, recordDeath, false);
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
        // Every failure, an OutOfMemoryError included, is caught inside the tasks and one of them is rethrown here
        // as is. With the heap exhausted, ForkJoinPool itself can fail: a worker can die taking a task with it, and
        // ForkJoinTask.join spins forever when it cannot allocate its wait node. So a caller outside the pool waits
        // on its own flag and gives up with the worker's error once a worker has died during the call, and the
        // tasks record failures with plain volatile writes (a first AtomicReference.compareAndSet links code and
        // can itself run out of memory). Seen with a heap too small for a network's keys: the process hung.
        Call call = new Call(body, count, Thread.currentThread());
        if (Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool) {
            call.invoke();
        } else {
            int deathsBefore = workerDeaths.get();
            pool.execute(call);
            while (!call.finished) {
                if (workerDeaths.get() != deathsBefore) {
                    call.fail(lastWorkerDeath);
                    break;
                }
                LockSupport.parkNanos(call, DEATH_CHECK_NANOS);
            }
        }
        Throwable t = call.failure;
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

    /** One call: runs the body for [0, count), records a failure, then marks itself finished and wakes the caller. */
    private static final class Call extends RecursiveAction {
        private final IntConsumer body;
        private final int count;
        private final Thread caller;
        private volatile Throwable failure;
        private volatile boolean finished;

        Call(IntConsumer body, int count, Thread caller) {
            this.body = body;
            this.count = count;
            this.caller = caller;
        }

        /** Keeps the first failure; the caller rethrows it. Allocates nothing and calls nothing. */
        void fail(Throwable t) {
            if (failure == null) {
                failure = t;
            }
        }

        @Override
        protected void compute() {
            try {
                new Range(this, 0, count).compute();
            } catch (Throwable t) {
                fail(t);
            } finally {
                finished = true;
                LockSupport.unpark(caller);
            }
        }
    }

    /** Splits [lo, hi) in halves down to single indices; records failures in its call instead of throwing them. */
    private static final class Range extends RecursiveAction {
        private final Call call;
        private final int lo;
        private final int hi;

        Range(Call call, int lo, int hi) {
            this.call = call;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (call.failure != null) {
                return;
            }
            try {
                if (hi - lo == 1) {
                    call.body.accept(lo);
                } else {
                    int mid = (lo + hi) >>> 1;
                    invokeAll(new Range(call, lo, mid), new Range(call, mid, hi));
                }
            } catch (Throwable t) {
                call.fail(t);
            }
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
