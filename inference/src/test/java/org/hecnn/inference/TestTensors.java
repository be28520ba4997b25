package org.hecnn.inference;

import java.util.Random;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Shape;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;

/** Random weights and images for the encrypted-layer tests, and the plaintext convolution they are checked against. */
public final class TestTensors {
    private TestTensors() {
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
