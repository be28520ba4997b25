package org.hecnn.cnn.model;

import java.util.List;

/**
 * The model's input: one image of the given shape.
 *
 * @param shape the input shape (normally a map {@code [C][H][W]})
 */
public record Input(Shape shape) implements Op {
    /** Validates the shape. */
    public Input {
        Op.require(shape != null, "input shape missing");
    }

    @Override
    public int arity() {
        return 0;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        return shape;
    }

    @Override
    public String describe() {
        return "input " + shape;
    }
}
