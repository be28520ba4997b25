package org.hecnn.cli;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/** What the libraries' logs show: warnings only, or with --verbose also what happened on the way (backend probes). */
final class Logging {
    private Logging() {
    }

    static void configure(boolean verbose) {
        Level level = verbose ? Level.INFO : Level.WARNING;
        Logger root = Logger.getLogger("");
        root.setLevel(level);
        for (Handler h : root.getHandlers()) {
            h.setLevel(level);
        }
    }
}
