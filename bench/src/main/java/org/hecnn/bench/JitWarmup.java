package org.hecnn.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Warms a benchmark's operation until the JIT has gone quiet, before JMH's own (short) warm-up starts.
 *
 * <p>The cpu backend's Vector API kernels run 3-5× slower (and allocate boxed vectors) until C2 has compiled
 * them; on a machine whose cores are shared that took anywhere from 5 to over 20 seconds, so any fixed warm-up
 * was either wasteful on a quiet machine or too short on a busy one (a fork then reported the C1-compiled speed).
 * Here the operation runs until the JVM's total compilation time has not changed for {@link #QUIET_MS} and at
 * least {@link #MIN_RUNS_QUIET} runs, bounded by {@link #MAX_MS}. What happened is printed, so the log shows it.
 */
final class JitWarmup {
    static final long QUIET_MS = 2_000;
    static final int MIN_RUNS_QUIET = 3;
    static final long MIN_MS = 1_000;
    static final long MAX_MS = 90_000;

    private JitWarmup() {
    }

    /** Runs {@code op} until the JIT is quiet; {@code label} names it in the log. */
    static void run(String label, Runnable op) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean monitored = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long lastChange = start;
        long lastTotal = monitored ? jit.getTotalCompilationTime() : 0;
        int runs = 0;
        int runsSinceChange = 0;
        long lastRun = 0;
        boolean timedOut = false;
        while (true) {
            long t0 = System.nanoTime();
            op.run();
            long now = System.nanoTime();
            lastRun = now - t0;
            runs++;
            runsSinceChange++;
            long total = monitored ? jit.getTotalCompilationTime() : lastTotal;
            if (total != lastTotal) {
                lastTotal = total;
                lastChange = now;
                runsSinceChange = 0;
            }
            long elapsedMs = (now - start) / 1_000_000;
            boolean quiet = (now - lastChange) / 1_000_000 >= QUIET_MS && runsSinceChange >= MIN_RUNS_QUIET;
            if (elapsedMs >= MIN_MS && (quiet || !monitored && elapsedMs >= 10_000)) {
                break;
            }
            if (elapsedMs >= MAX_MS) {
                timedOut = true;
                break;
            }
        }
        System.out.printf(Locale.ROOT, "%n# hecnn warm-up of %s: %d runs in %.1f s, %s; last run %.3f ms%n", label,
                runs, (System.nanoTime() - start) / 1e9,
                timedOut ? "JIT STILL COMPILING at the cap (timings may include unoptimised code)"
                        : monitored ? "JIT quiet for " + QUIET_MS / 1000 + " s" : "no JIT monitoring, fixed 10 s",
                lastRun / 1e6);
    }
}
