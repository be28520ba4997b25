package org.hecnn.cnn.plain;

import org.hecnn.cnn.model.AvgPool;
import org.hecnn.cnn.model.BatchNorm;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Shape;
import org.hecnn.cnn.model.ShortcutA;

/** The plaintext operator kernels on row-major double arrays. */
final class Kernels {
    private Kernels() {
    }

    static double[] conv2d(Conv2d c, double[] x, Shape in, Shape out) {
        double[] w = c.weight().toArray();
        int co = c.outChannels();
        int ci = c.inChannels();
        int kh = c.kernelH();
        int kw = c.kernelW();
        int h = in.height();
        int wd = in.width();
        int oh = out.height();
        int ow = out.width();
        double[] y = new double[co * oh * ow];
        for (int o = 0; o < co; o++) {
            double b = c.bias().get(o);
            int ob = o * oh * ow;
            for (int p = 0; p < oh * ow; p++) {
                y[ob + p] = b;
            }
            for (int i = 0; i < ci; i++) {
                int ib = i * h * wd;
                for (int u = 0; u < kh; u++) {
                    for (int v = 0; v < kw; v++) {
                        double wt = w[((o * ci + i) * kh + u) * kw + v];
                        if (wt == 0) {
                            continue;
                        }
                        for (int r = 0; r < oh; r++) {
                            int sr = r * c.strideH() + u - c.padTop();
                            if (sr < 0 || sr >= h) {
                                continue;
                            }
                            int rowIn = ib + sr * wd;
                            int rowOut = ob + r * ow;
                            for (int s = 0; s < ow; s++) {
                                int sc = s * c.strideW() + v - c.padLeft();
                                if (sc >= 0 && sc < wd) {
                                    y[rowOut + s] += wt * x[rowIn + sc];
                                }
                            }
                        }
                    }
                }
            }
        }
        return y;
    }

    static double[] batchNorm(BatchNorm b, double[] x, Shape in) {
        double[] a = b.multiplier();
        int plane = in.plane();
        double[] y = new double[x.length];
        for (int c = 0; c < in.channels(); c++) {
            for (int p = 0; p < plane; p++) {
                int k = c * plane + p;
                y[k] = (x[k] - b.mean().get(c)) * a[c] + b.beta().get(c);
            }
        }
        return y;
    }

    static double[] polynomial(Polynomial p, double[] x, Shape in) {
        int plane = in.plane();
        int d = p.degree();
        double[] y = new double[x.length];
        double[] coeff = new double[d + 1];
        for (int c = 0; c < in.channels(); c++) {
            if (c == 0 || !p.shared()) {
                for (int k = 0; k <= d; k++) {
                    coeff[k] = p.coefficient(c, k);
                }
            }
            for (int q = c * plane; q < (c + 1) * plane; q++) {
                double acc = coeff[d];
                for (int k = d - 1; k >= 0; k--) {
                    acc = acc * x[q] + coeff[k];
                }
                y[q] = acc;
            }
        }
        return y;
    }

    static double[] avgPool(AvgPool p, double[] x, Shape in, Shape out) {
        double[] y = new double[out.size()];
        int h = in.height();
        int w = in.width();
        for (int c = 0; c < in.channels(); c++) {
            for (int r = 0; r < out.height(); r++) {
                for (int s = 0; s < out.width(); s++) {
                    double sum = 0;
                    for (int u = 0; u < p.kernelH(); u++) {
                        for (int v = 0; v < p.kernelW(); v++) {
                            sum += x[(c * h + r * p.strideH() + u) * w + s * p.strideW() + v];
                        }
                    }
                    y[(c * out.height() + r) * out.width() + s] = sum * p.scale();
                }
            }
        }
        return y;
    }

    static double[] globalAvgPool(GlobalAvgPool g, double[] x, Shape in) {
        double scale = g.scaleFor(in);
        int plane = in.plane();
        double[] y = new double[in.channels()];
        for (int c = 0; c < y.length; c++) {
            double sum = 0;
            for (int q = c * plane; q < (c + 1) * plane; q++) {
                sum += x[q];
            }
            y[c] = sum * scale;
        }
        return y;
    }

    static double[] linear(Linear l, double[] x) {
        double[] w = l.weight().toArray();
        int n = l.inFeatures();
        double[] y = new double[l.outFeatures()];
        for (int o = 0; o < y.length; o++) {
            double acc = l.bias().get(o);
            for (int i = 0; i < n; i++) {
                acc += w[o * n + i] * x[i];
            }
            y[o] = acc;
        }
        return y;
    }

    static double[] add(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = a[i] + b[i];
        }
        return y;
    }

    static double[] shortcutA(ShortcutA s, double[] x, Shape in, Shape out) {
        double[] y = new double[out.size()];
        int oh = out.height();
        int ow = out.width();
        for (int c = 0; c < in.channels(); c++) {
            int oc = c + s.padBefore();
            for (int r = 0; r < oh; r++) {
                for (int q = 0; q < ow; q++) {
                    y[(oc * oh + r) * ow + q] = x[(c * in.height() + r * s.stride()) * in.width() + q * s.stride()];
                }
            }
        }
        return y;
    }

    static double[] relu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = Math.max(x[i], 0);
        }
        return y;
    }
}
