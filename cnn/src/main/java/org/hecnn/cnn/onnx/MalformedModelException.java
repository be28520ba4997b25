package org.hecnn.cnn.onnx;

/**
 * The bytes are not a valid ONNX model: not protobuf, truncated, inconsistent tensor sizes, undefined values,
 * or shapes that do not fit together.
 */
public class MalformedModelException extends OnnxImportException {
    /** @param message what is wrong */
    public MalformedModelException(String message) {
        super(message);
    }

    /** @param message what is wrong; @param cause the underlying error */
    public MalformedModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
