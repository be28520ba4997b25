package org.hecnn.inference.packed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hecnn.inference.UnsupportedNetworkException;
import java.util.List;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.SecurityStandard;
import org.junit.jupiter.api.Test;

/** The planner's chains for ResNet-20's 19 activation levels with both ways of spending a layer's modulus. */
class ParameterPlannerTest {
    private static int bits(long p) {
        return 64 - Long.numberOfLeadingZeros(p);
    }

    @Test
    void towerReuseGivesOnePrimePerActivation() {
        CkksParameters p = ParameterPlanner.choose(19, 1024, PrecisionTargets.standard());
        assertEquals(16, p.logN());
        List<Long> q = p.dataPrimes();
        assertEquals(20, q.size());
        assertEquals(61, bits(q.get(0)));
        for (int i = 1; i < q.size(); i++) {
            assertEquals(60, bits(q.get(i)), "prime " + i);
        }
        assertTrue(p.logQP() <= SecurityStandard.maxLogQP(16), "128-bit bound");
        assertFalse(p.isInsecure());
        assertEquals(3, p.dnum());
    }

    @Test
    void separateRescalesAlternateScaleAndWeightPrimesAboveTheLinearLayersPrime() {
        PrecisionTargets t = PrecisionTargets.precise();
        CkksParameters p = ParameterPlanner.choose(19, 1024, t);
        assertEquals(16, p.logN());
        int[] got = p.dataPrimes().stream().mapToInt(x -> bits(x)).toArray();
        assertArrayEquals(t.chainBits(19), got);
        assertEquals(40, got.length);
        assertEquals(39, got[1], "the final linear layer's weight prime: 12 bits wider");
        for (int i = 2; i < got.length; i += 2) {
            assertEquals(33, got[i], "scale prime at level " + i);
            assertEquals(27, got[i + 1], "weight prime at level " + (i + 1));
        }
        assertTrue(p.logQP() <= SecurityStandard.maxLogQP(16), "128-bit bound: " + p.logQP());
        // Every key-switching digit stays 2^20 below P.
        int alpha = (got.length + p.dnum() - 1) / p.dnum();
        int pBits = p.specialPrimes().stream().mapToInt(x -> bits(x)).sum();
        for (int start = 0; start < got.length; start += alpha) {
            int digit = 0;
            for (int i = start; i < Math.min(got.length, start + alpha); i++) {
                digit += got[i];
            }
            assertTrue(digit <= pBits - ParameterPlanner.DIGIT_MARGIN_BITS, "digit at " + start + ": " + digit);
        }
    }

    @Test
    void theWideResNet20FitsTwentyPrimesAtN15WithCoarseTargets() {
        // The bound for the authors' wide ResNet-20: at most 20 data primes and 881 bits at N = 2^15.
        CkksParameters p = ParameterPlanner.choose(19, 1024, new PrecisionTargets(20, 8, 8));
        assertEquals(15, p.logN());
        assertEquals(20, p.dataPrimes().size());
        assertTrue(p.logQP() <= 881, "log QP " + p.logQP());
        // Two special primes (122 bits) hold digits of two data primes (61 + 36 = 97 <= 122 - 20): 10 digits.
        assertEquals(2, p.specialPrimes().size());
        assertEquals(10, p.dnum());
    }

    @Test
    void targetsThatCannotFitArePlainErrors() {
        assertThrows(IllegalArgumentException.class, () -> new PrecisionTargets(30, 18, 8, false),
                "30 + 2·18 exceeds a 61-bit prime");
        assertThrows(UnsupportedNetworkException.class,
                () -> ParameterPlanner.choose(40, 1024, PrecisionTargets.precise()), "80 primes exceed N = 2^16");
    }

    @Test
    void anInputPlaneTooLargeForTheLargestRingSaysSo() {
        // 3x224x224: a 224x224 plane needs a block of 65536 slots, i.e. N = 2^17, whatever the depth.
        UnsupportedNetworkException e = assertThrows(UnsupportedNetworkException.class,
                () -> ParameterPlanner.choose(1, 65536, PrecisionTargets.standard()));
        assertTrue(e.getMessage().contains("needs a block of 65536 slots in one ciphertext, so N = 2^17"),
                e.getMessage());
        assertTrue(e.getMessage().contains("at most 32768 pixels per channel"), e.getMessage());
    }
}
