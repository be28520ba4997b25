package org.hecnn.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on standard error: redrawn in place on a terminal; otherwise (a log file) one line per
 * tenth of the work, and at least one a minute while updates come, so a run of hours shows that it moves.
 */
final class Progress {
    private final PrintStream err;
    private final String label;
    private final boolean terminal = System.console() != null;
    private final long start = System.nanoTime();
    private long lastLine = System.nanoTime();

    Progress(String label) {
        this.err = System.err;
        this.label = label;
    }

    void update(int done, int total, String detail) {
        int width = 30;
        int filled = total == 0 ? width : (int) ((long) done * width / total);
        String bar = "#".repeat(filled) + " ".repeat(width - filled);
        String line = String.format(Locale.ROOT, "%s [%s] %d/%d %5.1fs %s", label, bar, done, total,
                (System.nanoTime() - start) / 1e9, detail);
        if (terminal) {
            err.print("\r" + line + " ".repeat(Math.max(0, 20 - detail.length())));
            if (done == total) {
                err.println();
            }
        } else if (done == total || done % Math.max(1, total / 10) == 0
                || System.nanoTime() - lastLine > 60_000_000_000L) {
            err.println(line);
            lastLine = System.nanoTime();
        }
        err.flush();
    }
}
