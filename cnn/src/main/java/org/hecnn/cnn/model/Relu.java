package org.hecnn.cnn.model;

import java.util.List;

/**
 * {@code max(x, 0)}. Imported so that a ReLU model can be inspected and run in plaintext, but it cannot be
 * evaluated under CKKS: such a model must be retrained with the polynomial activation.
 */
public record Relu() implements Op {
    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        return inputs.get(0);
    }

    @Override
    public boolean heCompatible() {
        return false;
    }

    @Override
    public String describe() {
        return "relu (not HE-compatible)";
    }
}
