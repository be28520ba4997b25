package org.hecnn.backend;

import org.hecnn.HecnnException;

/** The requested backend is unknown or cannot run on this machine. */
public final class BackendUnavailableException extends HecnnException {
    public BackendUnavailableException(String message) {
        super(message);
    }
}
