package org.hecnn.cnn.compile;

import org.hecnn.cnn.model.BatchNorm;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Op;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Tensor;

/** Per-channel rescaling and affine folding of weighted layers, shared by the passes. */
final class Weights {
    private Weights() {
    }

    /** Whether the op is a convolution or linear layer. */
    static boolean weighted(Op op) {
        return op instanceof Conv2d || op instanceof Linear;
    }

    /** Output channel o of the layer (weights and bias) multiplied by f[o]. */
    static Op scaleOutput(Op op, double[] f) {
        return switch (op) {
            case Conv2d c -> c.withParameters(scaleRows(c.weight(), f), scaleVector(c.bias(), f));
            case Linear l -> new Linear(scaleRows(l.weight(), f), scaleVector(l.bias(), f));
            case BatchNorm b -> new BatchNorm(scaleVector(b.gamma(), f), scaleVector(b.beta(), f), b.mean(),
                    b.variance(), b.epsilon());
            default -> throw new IllegalArgumentException("cannot rescale the output of " + op.kind());
        };
    }

    /** Input channel (or feature) i of the layer's weights multiplied by f[i]; bias unchanged. */
    static Op scaleInput(Op op, double[] f) {
        return switch (op) {
            case Conv2d c -> c.withParameters(scaleColumns(c.weight(), f), c.bias());
            case Linear l -> new Linear(scaleColumns(l.weight(), f), l.bias());
            default -> throw new IllegalArgumentException("cannot rescale the input of " + op.kind());
        };
    }

    /**
     * The layer applied to {@code a*x + b} (per input channel or feature) instead of x: weights scaled by a, and
     * the bias gains the layer's response to b. Exact for linear layers and unpadded convolutions.
     */
    static Op absorbAffineInput(Op op, double[] a, double[] b) {
        Tensor w = op instanceof Conv2d c ? c.weight() : ((Linear) op).weight();
        Tensor bias = op instanceof Conv2d c ? c.bias() : ((Linear) op).bias();
        int out = w.dim(0);
        int in = w.dim(1);
        int taps = w.size() / (out * in);
        double[] wv = w.toArray();
        double[] bv = bias.toArray();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                for (int t = 0; t < taps; t++) {
                    int k = (o * in + i) * taps + t;
                    bv[o] += wv[k] * b[i];
                    wv[k] *= a[i];
                }
            }
        }
        Tensor nw = Tensor.of(wv, w.dims());
        Tensor nb = Tensor.vector(bv);
        return op instanceof Conv2d c ? c.withParameters(nw, nb) : new Linear(nw, nb);
    }

    /** Coefficients of p(a x + b) for each channel: {@code [channels][d+1]}. */
    static Polynomial compose(Polynomial p, double[] a, double[] b) {
        int channels = a.length;
        int d = p.degree();
        double[][] out = new double[channels][d + 1];
        for (int ch = 0; ch < channels; ch++) {
            double[] c = p.channelCoefficients(ch);
            for (int k = 0; k <= d; k++) {
                // (a x + b)^k = sum_j C(k, j) a^j b^(k-j) x^j
                double binom = 1;
                for (int j = 0; j <= k; j++) {
                    out[ch][j] += c[k] * binom * Math.pow(a[ch], j) * Math.pow(b[ch], k - j);
                    binom = binom * (k - j) / (j + 1);
                }
            }
        }
        return collapse(out);
    }

    /** A polynomial from per-channel rows, shared when all rows are equal. */
    static Polynomial collapse(double[][] rows) {
        for (double[] r : rows) {
            if (!java.util.Arrays.equals(r, rows[0])) {
                return Polynomial.perChannel(rows);
            }
        }
        return Polynomial.of(rows[0]);
    }

    /** {@code v} of length 1 repeated to n, or v itself. */
    static double[] expand(double[] v, int n) {
        if (v.length == n) {
            return v;
        }
        double[] out = new double[n];
        java.util.Arrays.fill(out, v[0]);
        return out;
    }

    static double[] repeatPerPlane(double[] perChannel, int plane) {
        double[] out = new double[perChannel.length * plane];
        for (int c = 0; c < perChannel.length; c++) {
            java.util.Arrays.fill(out, c * plane, (c + 1) * plane, perChannel[c]);
        }
        return out;
    }

    private static Tensor scaleRows(Tensor w, double[] f) {
        double[] v = w.toArray();
        int per = v.length / w.dim(0);
        for (int k = 0; k < v.length; k++) {
            v[k] *= f[k / per];
        }
        return Tensor.of(v, w.dims());
    }

    private static Tensor scaleColumns(Tensor w, double[] f) {
        double[] v = w.toArray();
        int in = w.dim(1);
        int taps = v.length / (w.dim(0) * in);
        for (int k = 0; k < v.length; k++) {
            v[k] *= f[(k / taps) % in];
        }
        return Tensor.of(v, w.dims());
    }

    private static Tensor scaleVector(Tensor t, double[] f) {
        double[] v = t.toArray();
        for (int k = 0; k < v.length; k++) {
            v[k] *= f[k];
        }
        return Tensor.vector(v);
    }
}
