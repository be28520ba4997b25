package org.hecnn.serving;

import org.hecnn.HecnnException;

/** The server cannot be reached, is shutting down, or dropped the connection: retry when it is back. */
public final class ServiceUnavailableException extends HecnnException {
    public ServiceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
