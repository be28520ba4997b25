package org.hecnn.cnn.model;

import java.util.List;

/** Flattens a map {@code [C][H][W]} to a vector of {@code C*H*W} in row-major (PyTorch) order. */
public record Flatten() implements Op {
    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        return Shape.vector(inputs.get(0).size());
    }

    @Override
    public String describe() {
        return "flatten";
    }
}
