package org.hecnn.io;

import org.hecnn.HecnnException;

/**
 * Serialised data that this reader cannot accept: truncated, corrupted, hostile (a count or length beyond what
 * the parameters allow), of another object type or of a newer format version. The message says what was wrong
 * and where. Objects made under other parameters are reported by
 * {@link org.hecnn.ckks.ParameterMismatchException} instead, and insecure parameter sets read without the
 * explicit opt-in by {@link org.hecnn.ckks.InsecureParametersException}.
 */
public final class MalformedDataException extends HecnnException {
    public MalformedDataException(String message) {
        super(message);
    }

    public MalformedDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
