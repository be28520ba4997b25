package org.hecnn.cnn.model;

import org.hecnn.HecnnException;

/** A model graph is inconsistent: an unknown or duplicate name, a wrong number of inputs, or mismatched shapes. */
public class InvalidModelException extends HecnnException {
    private final String nodeName;

    /**
     * @param nodeName the offending node, or null when the error is not about one node
     * @param message  what is wrong
     */
    public InvalidModelException(String nodeName, String message) {
        super(nodeName == null ? message : "node '" + nodeName + "': " + message);
        this.nodeName = nodeName;
    }

    /** The offending node's name, or null. */
    public String nodeName() {
        return nodeName;
    }
}
