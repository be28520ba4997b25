package org.hecnn.cnn.model;

import java.util.List;

/**
 * Inference-mode batch normalisation per channel:
 * {@code y = gamma * (x - mean) / sqrt(var + eps) + beta}. On a vector, each element is a channel.
 *
 * @param gamma    scale {@code [C]}
 * @param beta     shift {@code [C]}
 * @param mean     running mean {@code [C]}
 * @param variance running variance {@code [C]}
 * @param epsilon  added to the variance
 */
public record BatchNorm(Tensor gamma, Tensor beta, Tensor mean, Tensor variance, double epsilon) implements Op {

    /** Validates the parameters. */
    public BatchNorm {
        Op.require(gamma != null && gamma.rank() == 1, "BatchNorm gamma must be [C]");
        int c = gamma.dim(0);
        for (Tensor t : new Tensor[] {beta, mean, variance}) {
            Op.require(t != null && t.rank() == 1 && t.dim(0) == c, "BatchNorm parameters must all be [" + c + "]");
        }
        Op.require(epsilon >= 0 && Double.isFinite(epsilon), "BatchNorm epsilon must be finite and >= 0");
        for (int i = 0; i < c; i++) {
            Op.require(variance.get(i) + epsilon > 0, "BatchNorm variance + epsilon must be positive (channel " + i + ")");
        }
    }

    /** Number of channels. */
    public int channels() {
        return gamma.dim(0);
    }

    /** The per-channel multiplier {@code gamma / sqrt(var + eps)}. */
    public double[] multiplier() {
        double[] a = new double[channels()];
        for (int c = 0; c < a.length; c++) {
            a[c] = gamma.get(c) / Math.sqrt(variance.get(c) + epsilon);
        }
        return a;
    }

    /** The per-channel offset {@code beta - mean * gamma / sqrt(var + eps)}, so that {@code y = a*x + b}. */
    public double[] offset() {
        double[] a = multiplier();
        double[] b = new double[a.length];
        for (int c = 0; c < b.length; c++) {
            b[c] = beta.get(c) - mean.get(c) * a[c];
        }
        return b;
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        Shape in = inputs.get(0);
        Op.require(in.channels() == channels(), "BatchNorm has " + channels() + " channels, input is " + in);
        return in;
    }

    @Override
    public String describe() {
        return "batchnorm " + channels() + " eps " + epsilon;
    }
}
