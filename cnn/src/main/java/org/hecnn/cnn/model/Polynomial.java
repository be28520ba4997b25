package org.hecnn.cnn.model;

import java.util.List;

/**
 * An elementwise polynomial activation {@code p(x) = c0 + c1*x + ... + cd*x^d}, either one polynomial shared by
 * all channels (one row of coefficients) or one per channel (a row per channel, as produced by folding a
 * BatchNorm into the activation).
 *
 * @param coefficients {@code [rows][d+1]}, ascending powers; rows is 1 (shared) or the channel count
 */
public record Polynomial(Tensor coefficients) implements Op {

    /** Validates the coefficients. */
    public Polynomial {
        Op.require(coefficients != null && coefficients.rank() == 2, "polynomial coefficients must be [rows][d+1]");
        for (int i = 0; i < coefficients.size(); i++) {
            Op.require(Double.isFinite(coefficients.get(i)), "polynomial coefficients must be finite");
        }
    }

    /** One polynomial shared by all channels: {@code c[0] + c[1] x + ...}. */
    public static Polynomial of(double... c) {
        return new Polynomial(Tensor.of(c, 1, c.length));
    }

    /** One polynomial per channel: {@code perChannel[ch][k]} is channel ch's coefficient of x^k. */
    public static Polynomial perChannel(double[][] perChannel) {
        int d = perChannel[0].length;
        double[] flat = new double[perChannel.length * d];
        for (int c = 0; c < perChannel.length; c++) {
            Op.require(perChannel[c].length == d, "all channels need the same number of coefficients");
            System.arraycopy(perChannel[c], 0, flat, c * d, d);
        }
        return new Polynomial(Tensor.of(flat, perChannel.length, d));
    }

    /** The degree (number of coefficients minus one, trailing zeros included). */
    public int degree() {
        return coefficients.dim(1) - 1;
    }

    /** Whether one polynomial is shared by all channels. */
    public boolean shared() {
        return coefficients.dim(0) == 1;
    }

    /** Number of coefficient rows (1 when shared). */
    public int rows() {
        return coefficients.dim(0);
    }

    /** The coefficient of {@code x^k} for a channel (any channel when shared); 0 beyond the degree. */
    public double coefficient(int channel, int k) {
        if (k > degree()) {
            return 0;
        }
        return coefficients.get((shared() ? 0 : channel) * coefficients.dim(1) + k);
    }

    /** The coefficients of one channel (a copy), ascending powers. */
    public double[] channelCoefficients(int channel) {
        double[] c = new double[degree() + 1];
        for (int k = 0; k < c.length; k++) {
            c[k] = coefficient(channel, k);
        }
        return c;
    }

    /** Evaluates the polynomial of a channel at x (Horner). */
    public double evaluate(int channel, double x) {
        int row = (shared() ? 0 : channel) * coefficients.dim(1);
        double acc = 0;
        for (int k = degree(); k >= 0; k--) {
            acc = acc * x + coefficients.get(row + k);
        }
        return acc;
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        Shape in = inputs.get(0);
        Op.require(shared() || rows() == in.channels(),
                "polynomial has " + rows() + " coefficient rows, input " + in + " has " + in.channels() + " channels");
        return in;
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("polynomial degree " + degree());
        if (shared()) {
            sb.append(" ").append(java.util.Arrays.toString(channelCoefficients(0)));
        } else {
            sb.append(" per channel (").append(rows()).append(")");
        }
        return sb.toString();
    }
}
