package org.hecnn.serving;

import io.grpc.Status;
import org.hecnn.HecnnException;

/** The server refused or failed a call for a reason other than overload, expiry, foreign keys or unavailability. */
public final class RemoteFailureException extends HecnnException {
    private final Status.Code code;

    public RemoteFailureException(Status.Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The gRPC status code the server answered with. */
    public Status.Code code() {
        return code;
    }
}
