package org.hecnn.ring;

/**
 * Galois automorphisms X → X^g of Z[X]/(X^N + 1) for odd g: slot rotations use g = 5^k mod 2N and
 * conjugation uses g = 2N − 1. In the NTT domain an automorphism is a permutation of the evaluations.
 */
public final class Galois {
    /** The generator of the rotation subgroup. */
    public static final int GENERATOR = 5;

    private Galois() {
    }

    /** Galois element for a rotation of the N/2 slots by {@code steps} to the left (negative: right). */
    public static int rotationElement(int steps, int logN) {
        int slots = 1 << (logN - 1);
        long m = 2L << logN;
        long k = Math.floorMod(steps, slots);
        long g = 1;
        long base = GENERATOR;
        while (k > 0) {
            if ((k & 1) != 0) {
                g = g * base % m;
            }
            base = base * base % m;
            k >>= 1;
        }
        return (int) g;
    }

    /** Galois element of complex conjugation of the slots. */
    public static int conjugationElement(int logN) {
        return (2 << logN) - 1;
    }

    /**
     * The NTT-domain permutation of an automorphism: out[i] = in[perm[i]] for the ordering of {@link NttTable}
     * (slot i holds the evaluation at ψ^(2·bitrev(i)+1)).
     */
    public static int[] nttPermutation(int galoisElement, int logN) {
        checkElement(galoisElement, logN);
        int n = 1 << logN;
        long m = 2L << logN;
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            long e = 2L * BitReverse.reverse(i, logN) + 1;
            long image = e * galoisElement % m;
            perm[i] = BitReverse.reverse((int) ((image - 1) >>> 1), logN);
        }
        return perm;
    }

    /** The automorphism applied to a polynomial in coefficient form (the definition; used as a test oracle). */
    public static long[] applyToCoefficients(long[] a, int galoisElement, Modulus q) {
        int n = a.length;
        int logN = Integer.numberOfTrailingZeros(n);
        checkElement(galoisElement, logN);
        long m = 2L * n;
        long[] out = new long[n];
        for (int k = 0; k < n; k++) {
            long idx = (long) k * galoisElement % m;
            if (idx < n) {
                out[(int) idx] = a[k];
            } else {
                out[(int) (idx - n)] = q.negate(a[k]);
            }
        }
        return out;
    }

    private static void checkElement(int g, int logN) {
        if ((g & 1) == 0 || g <= 0 || g >= (2 << logN)) {
            throw new IllegalArgumentException("Galois element must be odd and in (0, 2N): " + g);
        }
    }
}
