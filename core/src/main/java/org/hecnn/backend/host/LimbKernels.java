package org.hecnn.backend.host;

import org.hecnn.ring.Modulus;
import org.hecnn.ring.NttTable;

/**
 * Per-limb arithmetic on host arrays of length N: the primitives {@link HostEngine} composes into the fused
 * engine operations. Inputs are canonical residues in [0, q) and so are outputs; implementations differ only in
 * speed (scalar reference, Java Vector API) and must agree bit for bit.
 */
public interface LimbKernels {
    void forwardNtt(long[] a, NttTable table);

    void inverseNtt(long[] a, NttTable table);

    void add(long[] a, long[] b, long[] out, Modulus q);

    void subtract(long[] a, long[] b, long[] out, Modulus q);

    void negate(long[] a, long[] out, Modulus q);

    void multiply(long[] a, long[] b, long[] out, Modulus q);

    /** acc = acc + a·b mod q. */
    void multiplyAdd(long[] a, long[] b, long[] acc, Modulus q);

    /** out = a·c mod q for a constant c in [0, q) with Shoup companion cShoup. */
    void multiplyConstant(long[] a, long c, long cShoup, long[] out, Modulus q);

    /** acc = acc + a·c mod q. */
    void multiplyConstantAdd(long[] a, long c, long cShoup, long[] acc, Modulus q);

    void addConstant(long[] a, long c, long[] out, Modulus q);

    /**
     * One block of one row of a sparse integer map: out[from, from+len) = Σ_{g ∈ [g0, g1)} c[g] · Σ_{t ∈ g}
     * ±xs[t][from, from+len), with group g's terms in [groupTermStart[g], groupTermStart[g+1]); cShoup and
     * cNegShoup are the Shoup companions of c[g] and of q − c[g]. {@code acc} and {@code tmp} are scratch arrays
     * of exactly {@code len} elements.
     */
    default void sparseCombination(long[][] xs, boolean[] negative, int[] groupTermStart, long[] c, long[] cShoup,
                                   long[] cNegShoup, int g0, int g1, int from, int len, long[] out, long[] acc,
                                   long[] tmp, Modulus q) {
        java.util.Arrays.fill(acc, 0, len, 0L);
        for (int g = g0; g < g1; g++) {
            if (c[g] != 1 && groupTermStart[g + 1] - groupTermStart[g] == 1) {
                int t = groupTermStart[g];
                long m = negative[t] ? q.negate(c[g]) : c[g];
                long ms = negative[t] ? cNegShoup[g] : cShoup[g];
                for (int k = 0; k < len; k++) {
                    acc[k] = q.add(acc[k], q.mulShoup(xs[t][from + k], m, ms));
                }
                continue;
            }
            long[] target = c[g] == 1 ? acc : tmp;
            int t = groupTermStart[g];
            if (c[g] != 1) {
                long[] x = xs[t];
                for (int k = 0; k < len; k++) {
                    tmp[k] = negative[t] ? q.negate(x[from + k]) : x[from + k];
                }
                t++;
            }
            for (; t < groupTermStart[g + 1]; t++) {
                long[] x = xs[t];
                if (negative[t]) {
                    for (int k = 0; k < len; k++) {
                        target[k] = q.sub(target[k], x[from + k]);
                    }
                } else {
                    for (int k = 0; k < len; k++) {
                        target[k] = q.add(target[k], x[from + k]);
                    }
                }
            }
            if (c[g] != 1) {
                multiplyConstantAdd(tmp, c[g], cShoup[g], acc, q);
            }
        }
        System.arraycopy(acc, 0, out, from, len);
    }

    /**
     * out[k] = x[k] mod q in [0, q) for the signed 32-bit integers x (out.length of them, in the platform's byte
     * order; an int[]'s segment or memory off the heap, at any alignment).
     */
    default void reduceIntegers(java.lang.foreign.MemorySegment x, long[] out, Modulus q) {
        for (int k = 0; k < out.length; k++) {
            out[k] = q.reduceSigned(x.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, k));
        }
    }

    /** out[k] = a[perm[k]]; out must not alias a. */
    void permute(long[] a, int[] perm, long[] out);

    /** out = (centred representative of x modulo {@code from}) reduced modulo {@code to}. */
    void reduceCentered(long[] x, Modulus from, long[] out, Modulus to);

    /**
     * Quotients of a centred basis conversion: v[k] = (int) floor(Σ_i (double) ys[i][k] * inverseModuli[i] + 0.5),
     * the sum taken left to right with separate multiplications and additions (no fused multiply-add), so that
     * every implementation computes the same v. Values v lie in [0, ys.length].
     */
    void conversionQuotients(long[][] ys, double[] inverseModuli, int[] v);

    /**
     * out = Σ_i ys[i]·c[i] + corrections[v[k]] mod q with ys[i] any values below 2^63 and c[i], corrections[*]
     * in [0, q): the second step of a centred basis conversion (see {@link org.hecnn.ring.BasisConverter}).
     */
    void linearCombination(long[][] ys, long[] c, long[] cShoup, int[] v, long[] corrections, long[] out,
                           Modulus q);

    /**
     * out[k] = Σ_j xs[j][perm[k]]·w[j][k] mod q (perm null means identity); wShoup holds the Shoup companions of w.
     */
    void innerProduct(long[][] xs, int[] perm, long[][] w, long[][] wShoup, long[] out, Modulus q);

    /**
     * out[k] = Σ_j xs[j][perm[k]]·w[j][k] mod q without precomputed companions (keys stored compactly): one
     * Barrett reduction per product, accumulated lazily. The scalar default is the reference.
     */
    default void innerProductCompact(long[][] xs, int[] perm, long[][] w, long[] out, Modulus q) {
        for (int k = 0; k < out.length; k++) {
            int src = perm == null ? k : perm[k];
            long acc = 0;
            for (int j = 0; j < xs.length; j++) {
                long x = xs[j][src];
                long lo = x * w[j][k];
                long hi = Math.multiplyHigh(x, w[j][k]);
                long sum = lo + acc;
                if (Long.compareUnsigned(sum, lo) < 0) {
                    hi++;
                }
                acc = q.reduceProduct(hi, sum);
            }
            out[k] = acc;
        }
    }

    /** out = (a − b)·c mod q. */
    void subtractAndScale(long[] a, long[] b, long c, long cShoup, long[] out, Modulus q);
}
