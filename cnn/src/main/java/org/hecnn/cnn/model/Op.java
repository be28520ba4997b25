package org.hecnn.cnn.model;

import java.util.List;

/**
 * An operation of the graph: its parameters and its shape rule. Ops are immutable values; a
 * {@link Node} applies one to named inputs.
 */
public sealed interface Op permits Input, Conv2d, BatchNorm, Polynomial, AvgPool, GlobalAvgPool, Flatten, Linear,
        Add, ShortcutA, Relu {

    /** A short name of the operation ("Conv2d", "Polynomial", ...). */
    default String kind() {
        return getClass().getSimpleName();
    }

    /** Number of inputs the op takes. */
    int arity();

    /**
     * The output shape for the given input shapes.
     *
     * @throws IllegalArgumentException if the inputs do not fit the op (the message says how)
     */
    Shape outputShape(List<Shape> inputs);

    /** Whether the op can be evaluated under CKKS (false only for ReLU). */
    default boolean heCompatible() {
        return true;
    }

    /** One line describing the parameters, for printing a model. */
    String describe();

    /** Throws IllegalArgumentException with {@code message} unless {@code ok}. */
    static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
