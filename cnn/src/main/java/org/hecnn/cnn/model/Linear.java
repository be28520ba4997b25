package org.hecnn.cnn.model;

import java.util.List;

/**
 * A fully connected layer on a vector: {@code y[o] = bias[o] + sum_i weight[o][i] * x[i]}.
 *
 * @param weight {@code [out][in]}
 * @param bias   {@code [out]}
 */
public record Linear(Tensor weight, Tensor bias) implements Op {

    /** Validates the parameters. */
    public Linear {
        Op.require(weight != null && weight.rank() == 2, "linear weight must be [out][in]");
        Op.require(bias != null && bias.rank() == 1 && bias.dim(0) == weight.dim(0),
                "linear bias must be [out] = [" + weight.dim(0) + "]");
    }

    /** A linear layer; a null bias means zeros. */
    public static Linear of(Tensor weight, Tensor bias) {
        return new Linear(weight, bias == null ? Tensor.zeros(weight.dim(0)) : bias);
    }

    /** Output features. */
    public int outFeatures() {
        return weight.dim(0);
    }

    /** Input features. */
    public int inFeatures() {
        return weight.dim(1);
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        Shape in = inputs.get(0);
        Op.require(in.flat(), "Linear needs a vector (insert a Flatten), got map " + in);
        Op.require(in.channels() == inFeatures(), "Linear expects " + inFeatures() + " features, input is " + in);
        return Shape.vector(outFeatures());
    }

    @Override
    public String describe() {
        return "linear " + inFeatures() + " -> " + outFeatures();
    }
}
