package org.hecnn.ckks;

import org.hecnn.HecnnException;

/** Operands that are added have different scales. */
public final class ScaleMismatchException extends HecnnException {
    public ScaleMismatchException(String message) {
        super(message);
    }
}
