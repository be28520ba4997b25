package org.hecnn.ckks;

import org.hecnn.HecnnException;

/** An operand has the wrong shape for an operation (for example an unrelinearised ciphertext). */
public final class InvalidOperandException extends HecnnException {
    public InvalidOperandException(String message) {
        super(message);
    }
}
