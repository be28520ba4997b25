package org.hecnn.cnn.compile;

import org.hecnn.HecnnException;

/** A compilation pass cannot handle the model; the message names the node and the reason. */
public class CompilationException extends HecnnException {
    /** @param message what could not be compiled and why */
    public CompilationException(String message) {
        super(message);
    }
}
