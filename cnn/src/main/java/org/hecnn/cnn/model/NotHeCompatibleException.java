package org.hecnn.cnn.model;

import org.hecnn.HecnnException;

/** A model contains operations CKKS cannot evaluate (ReLU); it must be retrained with the polynomial activation. */
public class NotHeCompatibleException extends HecnnException {
    /** @param message which nodes and what to do */
    public NotHeCompatibleException(String message) {
        super(message);
    }
}
