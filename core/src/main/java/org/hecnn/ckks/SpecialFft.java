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
    /**
     * Twiddles of every butterfly stage, flat: the stage of block length len (a power of two) holds its len/2
     * twiddles at offset len/2 − 1, in butterfly order, so the inner loops read them in sequence instead of
     * computing a table index with a modulo per butterfly. The values are the same table entries.
     */
    private final double[] inverseRe;
    private final double[] inverseIm;
    private final double[] forwardRe;
    private final double[] forwardIm;
    /** Index pairs (i, j), i < j, that the bit-reversal permutation of {@code slots} values swaps. */
    private final int[] swaps;
    /** reversed[k]: k with its log2(slots) bits reversed. */
    private final int[] reversed;

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
        int entries = Math.max(1, slots);
        inverseRe = new double[entries];
        inverseIm = new double[entries];
        forwardRe = new double[entries];
        forwardIm = new double[entries];
        for (int len = 2; len <= slots; len <<= 1) {
            int lenh = len >> 1;
            int lenq = len << 2;
            int gap = m / lenq;
            for (int j = 0; j < lenh; j++) {
                int inv = (lenq - (rotGroup[j] % lenq)) * gap;
                int fwd = (rotGroup[j] % lenq) * gap;
                inverseRe[lenh - 1 + j] = cosTable[inv];
                inverseIm[lenh - 1 + j] = sinTable[inv];
                forwardRe[lenh - 1 + j] = cosTable[fwd];
                forwardIm[lenh - 1 + j] = sinTable[fwd];
            }
        }
        swaps = bitReversalSwaps(slots);
        reversed = new int[slots];
        for (int k = 0; k < slots; k++) {
            reversed[k] = k;
        }
        for (int p = 0; p < swaps.length; p += 2) {
            reversed[swaps[p]] = swaps[p + 1];
            reversed[swaps[p + 1]] = swaps[p];
        }
    }

    int slots() {
        return slots;
    }

    /**
     * Slots to "coefficient-embedding" values, in place, without the final reordering and division: afterwards value
     * k of the inverse transform, times the size, is at index {@link #bitReversal()}[k]. The encoder reads every
     * value once anyway, so it reads them in that order and folds the division (by a power of two, so exactly) into
     * its scale. Slots-long vectors only.
     */
    void inverseStages(double[] re, double[] im) {
        int size = re.length;
        for (int len = size; len >= 2; len >>= 1) {
            int lenh = len >> 1;
            int t = lenh - 1;
            for (int i = 0; i < size; i += len) {
                for (int j = 0; j < lenh; j++) {
                    int a = i + j;
                    int b = a + lenh;
                    double ur = re[a] + re[b];
                    double ui = im[a] + im[b];
                    double vr = re[a] - re[b];
                    double vi = im[a] - im[b];
                    double wr = inverseRe[t + j];
                    double wi = inverseIm[t + j];
                    re[a] = ur;
                    im[a] = ui;
                    re[b] = vr * wr - vi * wi;
                    im[b] = vr * wi + vi * wr;
                }
            }
        }
    }

    /** Where {@link #inverseStages} leaves value k of a slots-long transform: k with its bits reversed. */
    int[] bitReversal() {
        return reversed;
    }

    /** Coefficient-embedding values to slots, in place (forward transform). */
    void forward(double[] re, double[] im) {
        int size = re.length;
        bitReverse(re, im);
        for (int len = 2; len <= size; len <<= 1) {
            int lenh = len >> 1;
            int t = lenh - 1;
            for (int i = 0; i < size; i += len) {
                for (int j = 0; j < lenh; j++) {
                    int a = i + j;
                    int b = a + lenh;
                    double wr = forwardRe[t + j];
                    double wi = forwardIm[t + j];
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

    private void bitReverse(double[] re, double[] im) {
        int[] pairs = re.length == slots ? swaps : bitReversalSwaps(re.length);
        for (int p = 0; p < pairs.length; p += 2) {
            int i = pairs[p];
            int j = pairs[p + 1];
            double t = re[i];
            re[i] = re[j];
            re[j] = t;
            t = im[i];
            im[i] = im[j];
            im[j] = t;
        }
    }

    private static int[] bitReversalSwaps(int size) {
        int[] pairs = new int[Math.max(0, size)];
        int count = 0;
        for (int i = 1, j = 0; i < size; i++) {
            int bit = size >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                pairs[count++] = i;
                pairs[count++] = j;
            }
        }
        return java.util.Arrays.copyOf(pairs, count);
    }
}
