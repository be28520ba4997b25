package org.hecnn.backend.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import org.hecnn.backend.DevicePoly;
import org.hecnn.ring.Primes;
import org.hecnn.ring.RnsRing;
import org.junit.jupiter.api.Test;

/**
 * The host engine's fused sum of integer-plaintext products matches the plain steps (upload, transform, multiply)
 * bit for bit, whether its terms run in one chunk per limb or are split into partial sums (few limbs, many terms).
 */
class FusedPlaintextSumTest {
    private static final List<Long> Q = Primes.generate(10, new int[] {55, 40, 40, 40, 40, 40, 40, 40, 40, 40},
            List.of());
    private static final RnsRing RING = new RnsRing(10, Q, Primes.generate(10, new int[] {61}, Q), 3);

    @Test
    void fusedSumsMatchTermByTermProductsForEveryLimbCountAndAccumulateFlag() {
        HostEngine e = new HostEngine(RING, new ScalarLimbKernels(), LimbExecutor.SEQUENTIAL, "fused");
        SplittableRandom r = new SplittableRandom(5);
        for (int limbs : new int[] {1, 3, 10}) {
            for (int terms : new int[] {1, 2, 7, 40}) {
                for (boolean accumulate : new boolean[] {false, true}) {
                    int[][] coefficients = new int[terms][RING.n()];
                    DevicePoly[][] in = new DevicePoly[terms][2];
                    for (int j = 0; j < terms; j++) {
                        for (int c = 0; c < RING.n(); c++) {
                            coefficients[j][c] = r.nextInt(-(1 << 20), 1 << 20);
                        }
                        for (int k = 0; k < 2; k++) {
                            in[j][k] = e.upload(CompactKeysTest.random(r, RING, limbs, false), limbs, false);
                        }
                    }
                    long[][][] start = {CompactKeysTest.random(r, RING, limbs, false),
                            CompactKeysTest.random(r, RING, limbs, false)};
                    DevicePoly[] fused = {e.upload(start[0], limbs, false), e.upload(start[1], limbs, false)};
                    DevicePoly[] stepwise = {e.upload(start[0], limbs, false), e.upload(start[1], limbs, false)};
                    e.multiplySumByIntegers(segments(coefficients), in, fused, accumulate);
                    // The reference: each plaintext uploaded and transformed whole, then multiplied part by part.
                    for (int j = 0; j < terms; j++) {
                        try (DevicePoly p = e.uploadIntegers(java.lang.foreign.MemorySegment.ofArray(coefficients[j]),
                                limbs)) {
                            e.forwardNtt(p);
                            for (int k = 0; k < 2; k++) {
                                if (accumulate || j > 0) {
                                    e.multiplyAdd(in[j][k], p, stepwise[k]);
                                } else {
                                    e.multiply(in[j][k], p, stepwise[k]);
                                }
                            }
                        }
                    }
                    for (int k = 0; k < 2; k++) {
                        assertArrayEquals(e.download(stepwise[k]), e.download(fused[k]),
                                limbs + " limbs, " + terms + " terms, accumulate " + accumulate + ", part " + k);
                    }
                }
            }
        }
    }

    @Test
    void anOutputThatIsAlsoAnInputOfASumIsRejected() {
        HostEngine e = new HostEngine(RING, new ScalarLimbKernels(), LimbExecutor.SEQUENTIAL, "fused");
        DevicePoly x = e.allocate(2, false);
        DevicePoly y = e.allocate(2, false);
        int[][] c = new int[2][RING.n()];
        assertThrows(IllegalArgumentException.class,
                () -> e.multiplySumByIntegers(segments(c), new DevicePoly[][] {{x}, {y}}, new DevicePoly[] {y}, true));
        assertThrows(IllegalArgumentException.class,
                () -> e.multiplySumByIntegers(segments(new int[1][RING.n()]), new DevicePoly[][] {{x}, {y}},
                        new DevicePoly[] {y}, true));
    }

    private static java.lang.foreign.MemorySegment[] segments(int[][] coefficients) {
        return java.util.Arrays.stream(coefficients).map(java.lang.foreign.MemorySegment::ofArray)
                .toArray(java.lang.foreign.MemorySegment[]::new);
    }
}
