package org.hecnn.cnn.plain;

import org.hecnn.HecnnException;

/** An input image does not fit the model (wrong size, non-finite values). */
public class InvalidInputException extends HecnnException {
    /** @param message what is wrong and what the model expects */
    public InvalidInputException(String message) {
        super(message);
    }
}
