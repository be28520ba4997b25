package org.hecnn.cnn.onnx;

/**
 * A valid ONNX model uses an operator, attribute or pattern hecnn does not support. The message names the node
 * and its operator.
 */
public class UnsupportedModelException extends OnnxImportException {
    private final String nodeName;
    private final String opType;

    /**
     * @param nodeName the ONNX node (may be empty for graph-level problems)
     * @param opType   its operator type (may be empty)
     * @param detail   what exactly is not supported
     */
    public UnsupportedModelException(String nodeName, String opType, String detail) {
        super(format(nodeName, opType, detail));
        this.nodeName = nodeName;
        this.opType = opType;
    }

    private static String format(String nodeName, String opType, String detail) {
        if ((nodeName == null || nodeName.isEmpty()) && (opType == null || opType.isEmpty())) {
            return "unsupported model: " + detail;
        }
        return "unsupported ONNX node '" + nodeName + "' (op " + opType + "): " + detail;
    }

    /** The ONNX node's name. */
    public String nodeName() {
        return nodeName;
    }

    /** The ONNX operator type. */
    public String opType() {
        return opType;
    }
}
