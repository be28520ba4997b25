package org.hecnn.ckks;

/**
 * The O(N log N) "special" FFT of CKKS: it maps between N/2 complex slot values z_j = m(ζ^(5^j)), ζ = e^(iπ/N),
 * and the real coefficient vector of m, using the powers of 5 modulo 2N as the slot ordering.
 */
final class SpecialFft {
    private final int slots;
    private final int m;
    private final int[] rotGroup;
    private final double[] cosTable;
    private final double[] sinTable;

    SpecialFft(int logN) {
        int n = 1 << logN;
        this.slots = n / 2;
        this.m = 2 * n;
        rotGroup = new int[slots];
        long g = 1;
        for (int j = 0; j < slots; j++) {
            rotGroup[j] = (int) g;
            g = g * 5 % m;
        }
        cosTable = new double[m + 1];
        sinTable = new double[m + 1];
        for (int k = 0; k <= m; k++) {
            double angle = 2 * Math.PI * k / m;
            cosTable[k] = Math.cos(angle);
            sinTable[k] = Math.sin(angle);
        }
    }

    int slots() {
        return slots;
    }

    /** Slots to "coefficient-embedding" values, in place (inverse transform, divides by the size). */
    void inverse(double[] re, double[] im) {
        int size = re.length;
        for (int len = size; len >= 1; len >>= 1) {
            for (int i = 0; i < size; i += len) {
                int lenh = len >> 1;
                int lenq = len << 2;
                int gap = m / lenq;
                for (int j = 0; j < lenh; j++) {
                    int idx = (lenq - (rotGroup[j] % lenq)) * gap;
                    int a = i + j;
                    int b = i + j + lenh;
                    double ur = re[a] + re[b];
                    double ui = im[a] + im[b];
                    double vr = re[a] - re[b];
                    double vi = im[a] - im[b];
                    double wr = cosTable[idx];
                    double wi = sinTable[idx];
                    re[a] = ur;
                    im[a] = ui;
                    re[b] = vr * wr - vi * wi;
                    im[b] = vr * wi + vi * wr;
                }
            }
        }
        bitReverse(re, im);
        for (int i = 0; i < size; i++) {
            re[i] /= size;
            im[i] /= size;
        }
    }

    /** Coefficient-embedding values to slots, in place (forward transform). */
    void forward(double[] re, double[] im) {
        int size = re.length;
        bitReverse(re, im);
        for (int len = 2; len <= size; len <<= 1) {
            int lenh = len >> 1;
            int lenq = len << 2;
            int gap = m / lenq;
            for (int i = 0; i < size; i += len) {
                for (int j = 0; j < lenh; j++) {
                    int idx = (rotGroup[j] % lenq) * gap;
                    int a = i + j;
                    int b = i + j + lenh;
                    double wr = cosTable[idx];
                    double wi = sinTable[idx];
                    double vr = re[b] * wr - im[b] * wi;
                    double vi = re[b] * wi + im[b] * wr;
                    double ur = re[a];
                    double ui = im[a];
                    re[a] = ur + vr;
                    im[a] = ui + vi;
                    re[b] = ur - vr;
                    im[b] = ui - vi;
                }
            }
        }
    }

    private static void bitReverse(double[] re, double[] im) {
        int size = re.length;
        for (int i = 1, j = 0; i < size; i++) {
            int bit = size >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
    }
}
