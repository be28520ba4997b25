package org.hecnn.ckks;

import org.hecnn.HecnnException;

/** An operation needs a relinearisation or Galois key that the evaluation keys do not contain. */
public final class MissingKeyException extends HecnnException {
    public MissingKeyException(String message) {
        super(message);
    }
}
