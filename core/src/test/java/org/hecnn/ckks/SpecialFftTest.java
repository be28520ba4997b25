package org.hecnn.ckks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The table-driven FFT gives bit for bit what the textbook loop gives (twiddle index computed per butterfly from
 * the powers of 5 modulo 2N), so encoded plaintexts do not change; and forward inverts it.
 */
class SpecialFftTest {
    /** The textbook inverse: per butterfly, the twiddle index (lenq − (5^j mod lenq))·(2N/lenq). */
    private static void textbookInverse(int logN, double[] re, double[] im) {
        int n = 1 << logN;
        int m = 2 * n;
        int size = re.length;
        int[] rot = new int[n / 2];
        long g = 1;
        for (int j = 0; j < rot.length; j++) {
            rot[j] = (int) g;
            g = g * 5 % m;
        }
        for (int len = size; len >= 1; len >>= 1) {
            for (int i = 0; i < size; i += len) {
                int lenh = len >> 1;
                int lenq = len << 2;
                int gap = m / lenq;
                for (int j = 0; j < lenh; j++) {
                    int idx = (lenq - (rot[j] % lenq)) * gap;
                    double angle = 2 * Math.PI * idx / m;
                    double wr = Math.cos(angle);
                    double wi = Math.sin(angle);
                    int a = i + j;
                    int b = i + j + lenh;
                    double ur = re[a] + re[b];
                    double ui = im[a] + im[b];
                    double vr = re[a] - re[b];
                    double vi = im[a] - im[b];
                    re[a] = ur;
                    im[a] = ui;
                    re[b] = vr * wr - vi * wi;
                    im[b] = vr * wi + vi * wr;
                }
            }
        }
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
        for (int i = 0; i < size; i++) {
            re[i] /= size;
            im[i] /= size;
        }
    }

    @Test
    void inverseIsBitIdenticalToTheTextbookLoopAndForwardInvertsIt() {
        Random r = new Random(4);
        for (int logN : new int[] {4, 11, 15}) {
            SpecialFft fft = new SpecialFft(logN);
            int size = fft.slots();
            double[] re = new double[size];
            double[] im = new double[size];
            for (int k = 0; k < size; k++) {
                re[k] = r.nextGaussian() * 1000;
                im[k] = r.nextGaussian();
            }
            double[] wantRe = re.clone();
            double[] wantIm = im.clone();
            textbookInverse(logN, wantRe, wantIm);
            // The encoder's use: the butterflies, then each value read through the bit reversal and divided
            // by the size.
            double[] stagesRe = re.clone();
            double[] stagesIm = im.clone();
            fft.inverseStages(stagesRe, stagesIm);
            int[] at = fft.bitReversal();
            double[] gotRe = new double[size];
            double[] gotIm = new double[size];
            for (int k = 0; k < size; k++) {
                gotRe[k] = stagesRe[at[k]] / size;
                gotIm[k] = stagesIm[at[k]] / size;
            }
            assertArrayEquals(wantRe, gotRe, 0.0, "logN " + logN + " real parts");
            assertArrayEquals(wantIm, gotIm, 0.0, "logN " + logN + " imaginary parts");
            fft.forward(gotRe, gotIm);
            assertArrayEquals(re, gotRe, 1e-9 * 1000 * logN);
            assertArrayEquals(im, gotIm, 1e-9 * logN);
        }
    }
}
