package org.hecnn.cnn.model;

import java.util.List;

/**
 * One node of a {@link Model}: an op applied to the outputs of earlier nodes. Its value is named by the node's
 * name.
 *
 * @param name   unique name in the model
 * @param op     the operation
 * @param inputs names of the nodes whose outputs it takes, in order
 * @param shape  the inferred output shape
 */
public record Node(String name, Op op, List<String> inputs, Shape shape) {

    /** Copies the input list. */
    public Node {
        inputs = List.copyOf(inputs);
    }

    /** The single input of a one-input op. */
    public String input() {
        if (inputs.size() != 1) {
            throw new IllegalStateException("node '" + name + "' has " + inputs.size() + " inputs");
        }
        return inputs.get(0);
    }

    @Override
    public String toString() {
        return name + " = " + op.describe() + " " + inputs + " -> " + shape;
    }
}
