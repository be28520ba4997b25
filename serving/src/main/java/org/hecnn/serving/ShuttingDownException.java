package org.hecnn.serving;

import org.hecnn.HecnnException;

/** The server is shutting down: it takes no new sessions or requests, and drops what had not started by the deadline. */
public final class ShuttingDownException extends HecnnException {
    public ShuttingDownException() {
        super("the server is shutting down and did not run this request; send it again when the server is back "
                + "(keys must be uploaded again)");
    }
}
