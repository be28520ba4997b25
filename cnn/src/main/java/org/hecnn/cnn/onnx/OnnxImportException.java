package org.hecnn.cnn.onnx;

import org.hecnn.HecnnException;

/** An ONNX model could not be imported; see the subclasses for malformed and unsupported models. */
public class OnnxImportException extends HecnnException {
    /** @param message what went wrong */
    public OnnxImportException(String message) {
        super(message);
    }

    /** @param message what went wrong; @param cause the underlying error */
    public OnnxImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
