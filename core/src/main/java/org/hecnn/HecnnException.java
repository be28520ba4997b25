package org.hecnn;

/** Base class of every error hecnn reports; the message says what was wrong and what to do. */
public class HecnnException extends RuntimeException {
    public HecnnException(String message) {
        super(message);
    }

    public HecnnException(String message, Throwable cause) {
        super(message, cause);
    }
}
