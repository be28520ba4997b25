package org.hecnn.ckks;

import org.hecnn.HecnnException;

/** Operands are at different levels, or an operation needs a level the operand no longer has. */
public final class LevelMismatchException extends HecnnException {
    public LevelMismatchException(String message) {
        super(message);
    }
}
