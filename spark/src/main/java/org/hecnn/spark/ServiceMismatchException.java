package org.hecnn.spark;

import org.hecnn.HecnnException;

/**
 * The model and options the job was given do not compile to the service description the batch's requests were made
 * for: nothing could be evaluated, so the job stops before it starts.
 */
public final class ServiceMismatchException extends HecnnException {
    public ServiceMismatchException(String message) {
        super(message);
    }
}
