package org.hecnn.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Shows on standard error that a long step without steps of its own (compilation, key generation) is running: its
 * name and the seconds elapsed, redrawn every second on a terminal; otherwise (a log file) a line when it starts,
 * one a minute while it runs and one with its time when it ends.
 */
final class Phase {
    private static final ScheduledExecutorService TICKER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hecnn-phase-ticker");
        t.setDaemon(true);
        return t;
    });

    private Phase() {
    }

    /** Runs {@code body} as the step {@code name} ("compiling resnet20_quad") and returns its result. */
    static <T> T run(String name, Supplier<T> body) {
        PrintStream err = System.err;
        boolean terminal = System.console() != null;
        long start = System.nanoTime();
        if (terminal) {
            err.print(name + "...");
        } else {
            err.println(name + "...");
        }
        err.flush();
        ScheduledFuture<?> tick = TICKER.scheduleAtFixedRate(() -> {
            long s = (System.nanoTime() - start) / 1_000_000_000L;
            if (terminal) {
                err.print("\r" + name + "... " + s + " s");
            } else if (s % 60 == 0) {
                err.println(name + "... " + s + " s");
            }
            err.flush();
        }, 1, 1, TimeUnit.SECONDS);
        boolean done = false;
        try {
            T result = body.get();
            done = true;
            return result;
        } finally {
            tick.cancel(false);
            String end = done ? String.format(Locale.ROOT, "%s: %.1f s", name, (System.nanoTime() - start) / 1e9)
                    : name + ": failed";
            err.println(terminal ? "\r" + end + "          " : end);
            err.flush();
        }
    }
}
