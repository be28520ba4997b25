package org.hecnn.ckks;

import org.hecnn.HecnnException;

/** Parameters that cannot work at all (bad ring degree, prime sizes, dnum, scale). */
public final class InvalidParametersException extends HecnnException {
    public InvalidParametersException(String message) {
        super(message);
    }
}
