package org.hecnn.cnn.onnx;

import java.util.Arrays;

/**
 * Arithmetic on elementwise polynomials with per-channel coefficients: {@code double[rows][d+1]}, ascending
 * powers, where rows is 1 (shared by all channels) or the channel count.
 */
final class PolyMath {
    private PolyMath() {
    }

    static double[][] identity() {
        return new double[][] {{0, 1}};
    }

    /** The constant polynomial with per-channel value v (length 1 or C). */
    static double[][] constant(double[] v) {
        double[][] p = new double[v.length][1];
        for (int r = 0; r < v.length; r++) {
            p[r][0] = v[r];
        }
        return p;
    }

    static double[][] add(double[][] a, double[][] b) {
        int rows = rows(a, b);
        int len = Math.max(a[0].length, b[0].length);
        double[][] out = new double[rows][len];
        for (int r = 0; r < rows; r++) {
            double[] x = a[a.length == 1 ? 0 : r];
            double[] y = b[b.length == 1 ? 0 : r];
            for (int k = 0; k < len; k++) {
                out[r][k] = (k < x.length ? x[k] : 0) + (k < y.length ? y[k] : 0);
            }
        }
        return normalise(out);
    }

    static double[][] mul(double[][] a, double[][] b) {
        int rows = rows(a, b);
        int len = a[0].length + b[0].length - 1;
        double[][] out = new double[rows][len];
        for (int r = 0; r < rows; r++) {
            double[] x = a[a.length == 1 ? 0 : r];
            double[] y = b[b.length == 1 ? 0 : r];
            for (int i = 0; i < x.length; i++) {
                for (int j = 0; j < y.length; j++) {
                    out[r][i + j] += x[i] * y[j];
                }
            }
        }
        return normalise(out);
    }

    static double[][] scale(double[][] a, double[] v) {
        return mul(a, constant(v));
    }

    static double[][] pow(double[][] a, int e) {
        double[][] out = new double[][] {{1}};
        for (int k = 0; k < e; k++) {
            out = mul(out, a);
        }
        return out;
    }

    static int degree(double[][] a) {
        return a[0].length - 1;
    }

    static boolean isIdentity(double[][] a) {
        for (double[] row : a) {
            if (row.length != 2 || row[0] != 0 || row[1] != 1) {
                return false;
            }
        }
        return true;
    }

    private static int rows(double[][] a, double[][] b) {
        if (a.length != 1 && b.length != 1 && a.length != b.length) {
            throw new IllegalArgumentException("per-channel coefficient counts differ: " + a.length + " vs " + b.length);
        }
        return Math.max(a.length, b.length);
    }

    /** Drops trailing zero coefficients (keeping degree >= 0) and collapses identical rows to one. */
    static double[][] normalise(double[][] p) {
        int len = p[0].length;
        while (len > 1) {
            boolean zero = true;
            for (double[] row : p) {
                zero &= row[len - 1] == 0;
            }
            if (!zero) {
                break;
            }
            len--;
        }
        boolean same = true;
        for (double[] row : p) {
            same &= Arrays.equals(row, 0, len, p[0], 0, len);
        }
        int rows = same ? 1 : p.length;
        double[][] out = new double[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOf(p[r], len);
        }
        return out;
    }
}
