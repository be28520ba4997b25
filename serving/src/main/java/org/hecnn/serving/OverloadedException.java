package org.hecnn.serving;

import java.time.Duration;
import org.hecnn.HecnnException;

/** The server is at a limit (sessions, key memory, waiting requests): try again after the hinted delay. */
public final class OverloadedException extends HecnnException {
    private final Duration retryAfter;

    public OverloadedException(String message, Duration retryAfter) {
        super(message + "; retry in " + Math.max(1, retryAfter.toSeconds()) + " s");
        this.retryAfter = retryAfter;
    }

    /** When a retry has a fair chance. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
