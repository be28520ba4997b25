package org.hecnn.inference;

import org.hecnn.HecnnException;

/** The model contains an operator or a structure that the encrypted evaluator cannot run; names the node. */
public final class UnsupportedNetworkException extends HecnnException {
    public UnsupportedNetworkException(String node, String message) {
        super("node '" + node + "': " + message);
    }
}
