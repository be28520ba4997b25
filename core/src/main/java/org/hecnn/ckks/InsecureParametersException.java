package org.hecnn.ckks;

import org.hecnn.HecnnException;

/** Parameters below 128-bit security were requested without the explicit test-only opt-in. */
public final class InsecureParametersException extends HecnnException {
    public InsecureParametersException(String message) {
        super(message);
    }
}
