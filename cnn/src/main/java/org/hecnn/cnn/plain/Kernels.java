package org.hecnn.cnn.plain;

import java.util.stream.IntStream;

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

    /** Convolutions with at least this many multiply-adds run their output channels in parallel. */
    private static final long PARALLEL_MACS = 1L << 21;

    static double[] conv2d(Conv2d c, double[] x, Shape in, Shape out) {
        double[] w = c.weight().toArray();
        double[] bias = c.bias().toArray();
        int co = c.outChannels();
        int plane = out.height() * out.width();
        double[] y = new double[co * plane];
        long macs = (long) y.length * c.inChannels() * c.kernelH() * c.kernelW();
        IntStream channels = IntStream.range(0, co);
        if (macs >= PARALLEL_MACS) {
            channels = channels.parallel();
        }
        if (c.strideH() == 1 && c.strideW() == 1) {
            double[] xp = padded(c, x, in);
            channels.forEach(o -> convChannelUnitStride(c, w, bias[o], xp, in, out, o, y));
        } else {
            channels.forEach(o -> convChannel(c, w, bias[o], x, in, out, o, y));
        }
        return y;
    }

    /** The input with the convolution's zero padding materialised: {@code [Ci][H+pt+pb][W+pl+pr]}. */
    private static double[] padded(Conv2d c, double[] x, Shape in) {
        int h = in.height();
        int wd = in.width();
        int ph = h + c.padTop() + c.padBottom();
        int pw = wd + c.padLeft() + c.padRight();
        double[] xp = new double[in.channels() * ph * pw];
        for (int i = 0; i < in.channels(); i++) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(x, (i * h + r) * wd, xp, (i * ph + r + c.padTop()) * pw + c.padLeft(), wd);
            }
        }
        return xp;
    }

    /**
     * Stride-1 output channel o on the padded input: each (input channel, tap) is one long contiguous
     * multiply-add over an accumulator laid out with the padded row width (columns past the output width are
     * scratch), which the JIT vectorises.
     */
    private static void convChannelUnitStride(Conv2d c, double[] w, double bias, double[] xp, Shape in, Shape out,
            int o, double[] y) {
        int ci = c.inChannels();
        int kh = c.kernelH();
        int kw = c.kernelW();
        int ph = in.height() + c.padTop() + c.padBottom();
        int pw = in.width() + c.padLeft() + c.padRight();
        int oh = out.height();
        int ow = out.width();
        int len = (oh - 1) * pw + ow;
        double[] acc = new double[len];
        for (int i = 0; i < ci; i++) {
            int ib = i * ph * pw;
            for (int u = 0; u < kh; u++) {
                for (int v = 0; v < kw; v++) {
                    double wt = w[((o * ci + i) * kh + u) * kw + v];
                    if (wt == 0) {
                        continue;
                    }
                    int base = ib + u * pw + v;
                    for (int p = 0; p < len; p++) {
                        acc[p] += wt * xp[base + p];
                    }
                }
            }
        }
        int ob = o * oh * ow;
        for (int r = 0; r < oh; r++) {
            for (int s = 0; s < ow; s++) {
                y[ob + r * ow + s] = acc[r * pw + s] + bias;
            }
        }
    }

    /** Output channel o: bias, then one shifted multiply-add of the input per (input channel, tap). */
    private static void convChannel(Conv2d c, double[] w, double bias, double[] x, Shape in, Shape out, int o,
            double[] y) {
        int ci = c.inChannels();
        int kh = c.kernelH();
        int kw = c.kernelW();
        int h = in.height();
        int wd = in.width();
        int oh = out.height();
        int ow = out.width();
        int sh = c.strideH();
        int sw = c.strideW();
        int ob = o * oh * ow;
        java.util.Arrays.fill(y, ob, ob + oh * ow, bias);
        for (int u = 0; u < kh; u++) {
            // output rows r with 0 <= r*sh + u - padTop < h
            int rLo = ceilDiv(c.padTop() - u, sh);
            int rHi = Math.min(oh - 1, Math.floorDiv(h - 1 + c.padTop() - u, sh));
            rLo = Math.max(rLo, 0);
            for (int v = 0; v < kw; v++) {
                int sLo = Math.max(0, ceilDiv(c.padLeft() - v, sw));
                int sHi = Math.min(ow - 1, Math.floorDiv(wd - 1 + c.padLeft() - v, sw));
                if (sLo > sHi || rLo > rHi) {
                    continue;
                }
                for (int i = 0; i < ci; i++) {
                    double wt = w[((o * ci + i) * kh + u) * kw + v];
                    if (wt == 0) {
                        continue;
                    }
                    int ib = i * h * wd;
                    for (int r = rLo; r <= rHi; r++) {
                        int rowIn = ib + (r * sh + u - c.padTop()) * wd + v - c.padLeft();
                        int rowOut = ob + r * ow;
                        if (sw == 1) {
                            for (int s = sLo; s <= sHi; s++) {
                                y[rowOut + s] += wt * x[rowIn + s];
                            }
                        } else {
                            for (int s = sLo; s <= sHi; s++) {
                                y[rowOut + s] += wt * x[rowIn + s * sw];
                            }
                        }
                    }
                }
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
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
