package org.hecnn.serving;

import org.hecnn.HecnnException;

/** The request names a session the server does not hold (expired, closed, or from before a restart). */
public final class SessionExpiredException extends HecnnException {
    public SessionExpiredException(String message) {
        super(message);
    }
}
