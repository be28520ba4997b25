package org.hecnn.ring;

/**
 * Scalar negacyclic NTT (Harvey's lazy butterflies, values kept below 4q) and its inverse.
 * This is the reference implementation that vectorised and GPU transforms must match bit for bit.
 */
public final class Ntt {
    private Ntt() {
    }

    /** In-place forward transform; input residues in [0, q), output in [0, q), bit-reversed order. */
    public static void forward(long[] a, NttTable table) {
        int n = table.n();
        long q = table.modulus().value();
        long twoQ = 2 * q;
        long[] w = table.forwardTwiddles();
        long[] ws = table.forwardTwiddlesShoup();
        for (int m = 1, t = n >>> 1; m < n; m <<= 1, t >>>= 1) {
            for (int i = 0; i < m; i++) {
                long wi = w[m + i];
                long wsi = ws[m + i];
                int start = 2 * i * t;
                for (int j = start; j < start + t; j++) {
                    long x = a[j];
                    if (x >= twoQ) {
                        x -= twoQ;
                    }
                    long y = a[j + t];
                    long prod = y * wi - Math.unsignedMultiplyHigh(y, wsi) * q;
                    a[j] = x + prod;
                    a[j + t] = x - prod + twoQ;
                }
            }
        }
        for (int j = 0; j < n; j++) {
            long x = a[j];
            if (x >= twoQ) {
                x -= twoQ;
            }
            if (x >= q) {
                x -= q;
            }
            a[j] = x;
        }
    }

    /** In-place inverse transform; input in [0, q) bit-reversed order, output coefficients in [0, q). */
    public static void inverse(long[] a, NttTable table) {
        int n = table.n();
        long q = table.modulus().value();
        long twoQ = 2 * q;
        long[] w = table.inverseTwiddles();
        long[] ws = table.inverseTwiddlesShoup();
        for (int m = n >>> 1, t = 1; m >= 1; m >>>= 1, t <<= 1) {
            for (int i = 0; i < m; i++) {
                long wi = w[m + i];
                long wsi = ws[m + i];
                int start = 2 * i * t;
                for (int j = start; j < start + t; j++) {
                    long x = a[j];
                    long y = a[j + t];
                    long u = x + y;
                    if (u >= twoQ) {
                        u -= twoQ;
                    }
                    long v = x - y + twoQ;
                    a[j] = u;
                    a[j + t] = v * wi - Math.unsignedMultiplyHigh(v, wsi) * q;
                }
            }
        }
        long nInv = table.nInverse();
        long nInvShoup = table.nInverseShoup();
        for (int j = 0; j < n; j++) {
            long x = a[j];
            long r = x * nInv - Math.unsignedMultiplyHigh(x, nInvShoup) * q;
            a[j] = r >= q ? r - q : r;
        }
    }
}
