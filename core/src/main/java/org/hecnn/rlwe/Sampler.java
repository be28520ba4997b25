package org.hecnn.rlwe;

import org.hecnn.ring.Modulus;
import org.hecnn.ring.RnsRing;

/**
 * Samples the distributions of RLWE: uniform ternary secrets, discrete Gaussian noise (σ = 3.2, tails cut
 * at 6σ) and uniform polynomials over an RNS basis. Small polynomials are returned as signed integers and
 * lifted to residues with {@link #toResidues}.
 */
public final class Sampler {
    /** Standard deviation of the error distribution (HomomorphicEncryption.org standard). */
    public static final double SIGMA = 3.2;
    /** Largest absolute value the Gaussian sampler returns (6σ, rounded down). */
    public static final int TAIL = 19;
    private static final long[] CDT = cumulativeTable();

    private final Randomness random;

    public Sampler(Randomness random) {
        this.random = random;
    }

    public Randomness randomness() {
        return random;
    }

    private static long[] cumulativeTable() {
        double[] weight = new double[TAIL + 1];
        double total = 0;
        for (int k = 0; k <= TAIL; k++) {
            weight[k] = (k == 0 ? 1 : 2) * Math.exp(-(double) k * k / (2 * SIGMA * SIGMA));
            total += weight[k];
        }
        long[] cdt = new long[TAIL + 1];
        double acc = 0;
        for (int k = 0; k <= TAIL; k++) {
            acc += weight[k] / total;
            cdt[k] = k == TAIL ? Long.MAX_VALUE : (long) Math.floor(acc * 0x1p63);
        }
        return cdt;
    }

    /** Uniform coefficients in {-1, 0, 1}. */
    public int[] ternary(int n) {
        int[] s = new int[n];
        int i = 0;
        while (i < n) {
            long word = random.nextLong();
            for (int b = 0; b < 32 && i < n; b++, word >>>= 2) {
                int v = (int) (word & 3);
                if (v != 3) {
                    s[i++] = v - 1;
                }
            }
        }
        return s;
    }

    /** Rounded Gaussian coefficients of standard deviation {@link #SIGMA}, |e| ≤ {@link #TAIL}. */
    public int[] gaussian(int n) {
        int[] e = new int[n];
        for (int i = 0; i < n; i++) {
            long word = random.nextLong();
            long u = word >>> 1;
            int k = 0;
            while (u >= CDT[k]) {
                k++;
            }
            e[i] = (word & 1) == 0 ? k : -k;
        }
        return e;
    }

    /** A uniform polynomial in every limb of the given basis size (Q_{qLimbs-1}, then P if withSpecial). */
    public long[][] uniform(RnsRing ring, int qLimbs, boolean withSpecial) {
        int limbs = qLimbs + (withSpecial ? ring.pCount() : 0);
        long[][] a = new long[limbs][ring.n()];
        for (int i = 0; i < limbs; i++) {
            random.fillUniform(a[i], ring.limbModulus(i, qLimbs).value());
        }
        return a;
    }

    /** Residues of a small signed polynomial in every limb (coefficient domain). */
    public static long[][] toResidues(int[] small, RnsRing ring, int qLimbs, boolean withSpecial) {
        int limbs = qLimbs + (withSpecial ? ring.pCount() : 0);
        long[][] out = new long[limbs][small.length];
        for (int i = 0; i < limbs; i++) {
            Modulus q = ring.limbModulus(i, qLimbs);
            for (int k = 0; k < small.length; k++) {
                out[i][k] = small[k] < 0 ? q.value() + small[k] : small[k];
            }
        }
        return out;
    }
}
