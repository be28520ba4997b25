package org.hecnn.cnn.model;

import java.util.List;

/** Elementwise sum of two values of the same shape (the residual join). */
public record Add() implements Op {
    @Override
    public int arity() {
        return 2;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        Op.require(inputs.get(0).equals(inputs.get(1)),
                "Add needs equal shapes, got " + inputs.get(0) + " and " + inputs.get(1));
        return inputs.get(0);
    }

    @Override
    public String describe() {
        return "add";
    }
}
