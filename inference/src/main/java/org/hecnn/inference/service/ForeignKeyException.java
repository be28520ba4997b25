package org.hecnn.inference.service;

import org.hecnn.HecnnException;

/**
 * A request (or response) was made under a key set other than the one its session holds: it is refused before any
 * evaluation, because evaluating it would only produce garbage for whoever decrypts it.
 */
public final class ForeignKeyException extends HecnnException {
    public ForeignKeyException(String message) {
        super(message);
    }
}
