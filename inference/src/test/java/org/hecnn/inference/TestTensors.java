package org.hecnn.inference;

import org.hecnn.inference.packed.PrecisionTargets;
import java.util.Random;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.cnn.model.Add;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Shape;
import org.hecnn.cnn.model.ShortcutA;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;

/**
 * Random weights, images and small networks for the encrypted-layer and client/server tests (of this module and of
 * hecnn-serving), the small insecure parameters they run at, and the plaintext convolution they are checked against.
 */
public final class TestTensors {
    private TestTensors() {
    }

    /** A tensor of the given dims, uniform in [−scale, scale). */
    public static Tensor random(Random r, double scale, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (r.nextDouble() * 2 - 1) * scale;
        }
        return Tensor.of(v, dims);
    }

    /** conv-act, then a block conv(stride 2)-act-conv + option-A shortcut, add, act, global sum pool, linear. */
    public static Model miniResNet(Random r) {
        Model.Builder b = Model.builder("mini-resnet").input("x", Shape.map(3, 8, 8));
        Polynomial act = Polynomial.of(0.19, 0.5, 1.0);
        b.add("conv1", Conv2d.of(random(r, 0.3, 4, 3, 3, 3), random(r, 0.1, 4), 1, 1), "x");
        b.add("act1", act, "conv1");
        b.add("conv2", Conv2d.of(random(r, 0.15, 8, 4, 3, 3), random(r, 0.1, 8), 2, 1), "act1");
        b.add("act2", act, "conv2");
        b.add("conv3", Conv2d.of(random(r, 0.1, 8, 8, 3, 3), random(r, 0.1, 8), 1, 1), "act2");
        b.add("short", ShortcutA.of(4, 8), "act1");
        b.add("sum", new Add(), "conv3", "short");
        b.add("act3", act, "sum");
        b.add("pool", new GlobalAvgPool(1.0), "act3");
        b.add("flat", new Flatten(), "pool");
        b.add("fc", new Linear(random(r, 0.05, 5, 8), random(r, 0.1, 5)), "flat");
        return b.output("fc").build();
    }

    /** INSECURE small parameters (N = 2^11, four data primes) for the targets: fast client/server tests. */
    public static CkksParameters smallParameters(PrecisionTargets t) {
        return CkksParameters.builder().logN(11).dataPrimeBits(t.outputPrimeBits(), 59, 59, 59)
                .specialPrimeBits(61, 61, 61).dnum(2).scaleBits(t.scaleBits()).allowInsecureForTestsOnly().build();
    }

    /** A C×H×W tensor as nested arrays (what clients encrypt). */
    public static double[][][] toArray(Tensor t) {
        double[][][] a = new double[t.dim(0)][t.dim(1)][t.dim(2)];
        for (int c = 0; c < a.length; c++) {
            for (int h = 0; h < a[c].length; h++) {
                for (int w = 0; w < a[c][h].length; w++) {
                    a[c][h][w] = t.at(c, h, w);
                }
            }
        }
        return a;
    }

    /** co×ci×k×k weights uniform in [−scale, scale). */
    public static double[][][][] randomConv(Random r, int co, int ci, int k, double scale) {
        double[][][][] w = new double[co][ci][k][k];
        for (double[][][] a : w) {
            for (double[][] b : a) {
                for (double[] c : b) {
                    for (int i = 0; i < k; i++) {
                        c[i] = (r.nextDouble() * 2 - 1) * scale;
                    }
                }
            }
        }
        return w;
    }

    /** A c×h×w image uniform in [−1, 1). */
    public static double[][][] randomImage(Random r, int c, int h, int w) {
        double[][][] x = new double[c][h][w];
        for (double[][] ch : x) {
            for (double[] row : ch) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = r.nextDouble() * 2 - 1;
                }
            }
        }
        return x;
    }

    /** The convolution (zero padding on every side, bias may be null) by the project's plaintext evaluator. */
    public static double[][][] conv(double[][][] x, double[][][][] w, double[] bias, int stride, int pad) {
        int co = w.length;
        int ci = w[0].length;
        int k = w[0][0].length;
        double[] flatW = new double[co * ci * k * k];
        int i = 0;
        for (double[][][] a : w) {
            for (double[][] b : a) {
                for (double[] c : b) {
                    for (double v : c) {
                        flatW[i++] = v;
                    }
                }
            }
        }
        int h = x[0].length;
        int wd = x[0][0].length;
        double[] flatX = new double[x.length * h * wd];
        i = 0;
        for (double[][] a : x) {
            for (double[] b : a) {
                for (double v : b) {
                    flatX[i++] = v;
                }
            }
        }
        Model.Builder mb = Model.builder("conv").input("x", Shape.map(x.length, h, wd));
        mb.add("conv", Conv2d.of(Tensor.of(flatW, co, ci, k, k), bias == null ? null : Tensor.vector(bias), stride,
                pad), "x");
        Model m = mb.output("conv").build();
        Tensor y = PlainEvaluator.evaluate(m, Tensor.of(flatX, x.length, h, wd));
        Shape s = m.outputShape();
        double[][][] out = new double[s.channels()][s.height()][s.width()];
        for (int c = 0; c < s.channels(); c++) {
            for (int r = 0; r < s.height(); r++) {
                for (int q = 0; q < s.width(); q++) {
                    out[c][r][q] = y.at(c, r, q);
                }
            }
        }
        return out;
    }
}
