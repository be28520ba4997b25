package org.hecnn.backend.host;

import org.hecnn.ring.Modulus;
import org.hecnn.ring.Ntt;
import org.hecnn.ring.NttTable;

/** Plain scalar {@link LimbKernels}: the test oracle every other implementation must match. */
public final class ScalarLimbKernels implements LimbKernels {
    @Override
    public void forwardNtt(long[] a, NttTable table) {
        Ntt.forward(a, table);
    }

    @Override
    public void inverseNtt(long[] a, NttTable table) {
        Ntt.inverse(a, table);
    }

    @Override
    public void add(long[] a, long[] b, long[] out, Modulus q) {
        for (int k = 0; k < a.length; k++) {
            out[k] = q.add(a[k], b[k]);
        }
    }

    @Override
    public void subtract(long[] a, long[] b, long[] out, Modulus q) {
        for (int k = 0; k < a.length; k++) {
            out[k] = q.sub(a[k], b[k]);
        }
    }

    @Override
    public void negate(long[] a, long[] out, Modulus q) {
        for (int k = 0; k < a.length; k++) {
            out[k] = q.negate(a[k]);
        }
    }

    @Override
    public void multiply(long[] a, long[] b, long[] out, Modulus q) {
        for (int k = 0; k < a.length; k++) {
            out[k] = q.mul(a[k], b[k]);
        }
    }

    @Override
    public void multiplyAdd(long[] a, long[] b, long[] acc, Modulus q) {
        for (int k = 0; k < a.length; k++) {
            long lo = a[k] * b[k];
            long hi = Math.multiplyHigh(a[k], b[k]);
            long sum = lo + acc[k];
            if (Long.compareUnsigned(sum, lo) < 0) {
                hi++;
            }
            acc[k] = q.reduceProduct(hi, sum);
        }
    }

    @Override
    public void multiplyConstant(long[] a, long c, long cShoup, long[] out, Modulus q) {
        for (int k = 0; k < a.length; k++) {
            out[k] = q.mulShoup(a[k], c, cShoup);
        }
    }

    @Override
    public void multiplyConstantAdd(long[] a, long c, long cShoup, long[] acc, Modulus q) {
        for (int k = 0; k < a.length; k++) {
            acc[k] = q.add(acc[k], q.mulShoup(a[k], c, cShoup));
        }
    }

    @Override
    public void addConstant(long[] a, long c, long[] out, Modulus q) {
        for (int k = 0; k < a.length; k++) {
            out[k] = q.add(a[k], c);
        }
    }

    @Override
    public void permute(long[] a, int[] perm, long[] out) {
        for (int k = 0; k < out.length; k++) {
            out[k] = a[perm[k]];
        }
    }

    @Override
    public void reduceCentered(long[] x, Modulus from, long[] out, Modulus to) {
        long half = from.value() >>> 1;
        long fromModTo = to.reduce(from.value());
        for (int k = 0; k < x.length; k++) {
            long r = to.reduceWord(x[k]);
            out[k] = x[k] > half ? to.sub(r, fromModTo) : r;
        }
    }

    @Override
    public void conversionQuotients(long[][] ys, double[] inverseModuli, int[] v) {
        for (int k = 0; k < v.length; k++) {
            double sum = 0;
            for (int i = 0; i < ys.length; i++) {
                double term = (double) ys[i][k] * inverseModuli[i];
                sum = sum + term;
            }
            v[k] = (int) Math.floor(sum + 0.5);
        }
    }

    @Override
    public void linearCombination(long[][] ys, long[] c, long[] cShoup, int[] v, long[] corrections, long[] out,
                                  Modulus q) {
        long twoQ = 2 * q.value();
        for (int k = 0; k < out.length; k++) {
            long acc = corrections[v[k]];
            for (int i = 0; i < ys.length; i++) {
                acc += q.mulShoupLazy(ys[i][k], c[i], cShoup[i]);
                if (acc >= twoQ) {
                    acc -= twoQ;
                }
            }
            out[k] = acc >= q.value() ? acc - q.value() : acc;
        }
    }

    @Override
    public void innerProduct(long[][] xs, int[] perm, long[][] w, long[][] wShoup, long[] out, Modulus q) {
        long twoQ = 2 * q.value();
        for (int k = 0; k < out.length; k++) {
            int src = perm == null ? k : perm[k];
            long acc = 0;
            for (int j = 0; j < xs.length; j++) {
                acc += q.mulShoupLazy(xs[j][src], w[j][k], wShoup[j][k]);
                if (acc >= twoQ) {
                    acc -= twoQ;
                }
            }
            out[k] = acc >= q.value() ? acc - q.value() : acc;
        }
    }

    @Override
    public void subtractAndScale(long[] a, long[] b, long c, long cShoup, long[] out, Modulus q) {
        for (int k = 0; k < a.length; k++) {
            out[k] = q.mulShoup(q.sub(a[k], b[k]), c, cShoup);
        }
    }
}
