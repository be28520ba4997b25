package org.hecnn.ckks;

import org.hecnn.HecnnException;

/** An object made under other parameters (another fingerprint) was given to this context. */
public final class ParameterMismatchException extends HecnnException {
    public ParameterMismatchException(String message) {
        super(message);
    }
}
