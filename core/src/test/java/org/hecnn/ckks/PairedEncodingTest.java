package org.hecnn.ckks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Two real slot vectors encoded with one FFT ({@link CkksEncoder#coefficientsOfTwoReal}) give the coefficients each
 * gives alone, up to a rounding tie, and decode back to their slots.
 */
class PairedEncodingTest {
    @Test
    void pairedEncodingMatchesEncodingOneByOne() {
        CkksParameters p = TestContexts.small(12);
        try (CkksContext ctx = TestContexts.context(p)) {
            CkksEncoder encoder = new CkksEncoder(ctx);
            SplittableRandom r = new SplittableRandom(12);
            double scale = Math.scalb(1.0, 27);
            long differing = 0;
            long compared = 0;
            for (int trial = 0; trial < 20; trial++) {
                // sparse weight-like vectors, dense ones, and one shorter than the slots
                double[] a = new double[trial == 3 ? encoder.slots() / 3 : encoder.slots()];
                double[] b = new double[encoder.slots()];
                for (int k = 0; k < a.length; k++) {
                    a[k] = trial % 2 == 0 ? r.nextDouble(-1, 1) : (r.nextInt(16) == 0 ? r.nextDouble(-0.5, 0.5) : 0);
                }
                for (int k = 0; k < b.length; k++) {
                    b[k] = r.nextDouble(-2, 2);
                }
                double[][] paired = encoder.coefficientsOfTwoReal(a, b, scale);
                double[] alone0 = encoder.coefficients(a, new double[0], scale);
                double[] alone1 = encoder.coefficients(b, new double[0], scale);
                for (int k = 0; k < alone0.length; k++) {
                    assertTrue(Math.abs(paired[0][k] - alone0[k]) <= 1, "coefficient " + k);
                    assertTrue(Math.abs(paired[1][k] - alone1[k]) <= 1, "coefficient " + k);
                    differing += (paired[0][k] != alone0[k] ? 1 : 0) + (paired[1][k] != alone1[k] ? 1 : 0);
                    compared += 2;
                }
                double[] decoded = encoder.decode(encoder.encodeCoefficients(paired[1], p.maxLevel(), scale));
                for (int k = 0; k < b.length; k++) {
                    // rounding N coefficients to integers moves a slot by at most N/2 / scale
                    assertEquals(b[k], decoded[k], p.n() / 2.0 / scale, "slot " + k);
                }
            }
            // a difference needs a coefficient within the transforms' last bits of a rounding tie
            assertTrue(differing <= compared / 100_000 + 2, differing + " of " + compared + " coefficients differ");
        }
    }
}
