package org.hecnn.rlwe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.TestContexts;
import org.junit.jupiter.api.Test;

/** The fast sampling and parallel key generation paths give exactly what the word-by-word, in-order paths give. */
class KeyGenerationTest {
    private static byte[] seed(int v) {
        byte[] s = new byte[AesCtrRandomness.SEED_BYTES];
        s[0] = (byte) v;
        s[31] = (byte) (v * 7);
        return s;
    }

    @Test
    void bulkUniformSamplingEqualsTheWordByWordRule() {
        long[] bounds = {3, 97, (1L << 40) + 15, 0x3fffffffffffffddL, Long.MAX_VALUE};
        for (long bound : bounds) {
            AesCtrRandomness fast = AesCtrRandomness.fromSeed(seed(1));
            AesCtrRandomness slow = AesCtrRandomness.fromSeed(seed(1));
            // lengths that end inside, at and across the 8 KiB keystream blocks
            for (int len : new int[] {1, 1023, 1024, 5000, 70000}) {
                long[] a = new long[len];
                fast.fillUniform(a, bound);
                long[] b = new long[len];
                for (int i = 0; i < len; i++) {
                    b[i] = slow.nextLong(bound);
                }
                assertArrayEquals(b, a, "bound " + bound + ", length " + len);
            }
            assertEquals(slow.nextLong(), fast.nextLong(), "the streams stay in step afterwards");
        }
    }

    @Test
    void aStreamResumedAtItsPositionContinuesExactly() {
        long bound = (1L << 33) + 9; // rejects about half the words, so positions land anywhere in the blocks
        AesCtrRandomness whole = AesCtrRandomness.fromSeed(seed(2));
        for (int len : new int[] {1, 3, 1023, 1024, 5000, 70000, 2}) {
            long at = whole.position();
            long[] expected = new long[len];
            whole.fillUniform(expected, bound);
            long[] resumed = new long[len];
            AesCtrRandomness from = AesCtrRandomness.fromSeedAt(seed(2), at);
            assertEquals(at, from.position());
            from.fillUniform(resumed, bound);
            assertArrayEquals(expected, resumed, "resumed at byte " + at);
            assertEquals(whole.position(), from.position());
        }
        assertEquals(AesCtrRandomness.fromSeedAt(seed(2), 8200).nextLong(), skipped(8200).nextLong());
        assertEquals(AesCtrRandomness.fromSeedAt(seed(2), 16).nextLong(), skipped(16).nextLong());
    }

    private static AesCtrRandomness skipped(int bytes) {
        AesCtrRandomness r = AesCtrRandomness.fromSeed(seed(2));
        r.nextBytes(new byte[bytes]);
        return r;
    }

    @Test
    void seededKeyLimbsAreTheExpandedUniformHalf() {
        CkksParameters p = CkksParameters.builder().logN(11).dataPrimeBits(61, 33, 27, 33)
                .specialPrimeBits(61, 61).dnum(2).scaleBits(25).allowInsecureForTestsOnly().build();
        try (CkksContext ctx = TestContexts.context(p)) {
            KeyGenerator kg = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), seed(4));
            SecretKey sk = kg.secretKey();
            for (int level : new int[] {3, 1}) {
                SwitchingKey key = kg.galoisKey(sk, 5, level);
                long[][][] a = KeyGenerator.expandSwitchingKeyA(ctx.ring(), key);
                SeededKeyLimbs source = SeededKeyLimbs.of(ctx.ring(), key);
                assertArrayEquals(a, source.expandAll(ctx.ring().n()));
                long[] first = new long[ctx.ring().n()];
                source.fill(0, 1, first); // without randomAccess: slower, same limb
                assertArrayEquals(a[0][1], first);
                SeededKeyLimbs limbs = source.randomAccess();
                assertEquals(a.length, limbs.digits());
                assertEquals(a[0].length, limbs.limbs());
                // out of order, as parallel key switches ask for them
                for (int t = limbs.limbs() - 1; t >= 0; t--) {
                    for (int j = limbs.digits() - 1; j >= 0; j--) {
                        long[] out = new long[ctx.ring().n()];
                        limbs.fill(j, t, out);
                        assertArrayEquals(a[j][t], out, "level " + level + " digit " + j + " limb " + t);
                    }
                }
            }
        }
    }

    @Test
    void parallelEvaluationKeysAreTheSameAsKeysMadeOneByOne() {
        CkksParameters p = CkksParameters.builder().logN(11).dataPrimeBits(61, 58, 58, 58)
                .specialPrimeBits(61, 61, 61).dnum(2).scaleBits(25).allowInsecureForTestsOnly().build();
        try (CkksContext ctx = TestContexts.context(p)) {
            Map<Integer, Integer> levels = new LinkedHashMap<>();
            levels.put(5, 2);
            levels.put(25, 1);
            levels.put(125, 3);
            levels.put(3, 0);
            KeyGenerator parallel = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), seed(9));
            KeyGenerator serial = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), seed(9));
            SecretKey sk = parallel.secretKey();
            SecretKey sk2 = serial.secretKey();
            EvaluationKeys keys = parallel.evaluationKeys(sk, 2, levels);
            // the documented draw order: the relinearisation key's seeds, then each Galois key's in map order
            SwitchingKey relin = serial.relinearizationKey(sk2, 2);
            for (var e : levels.entrySet()) {
                SwitchingKey want = serial.galoisKey(sk2, e.getKey(), e.getValue());
                SwitchingKey got = keys.galois().get(e.getKey());
                assertArrayEquals(want.seed(), got.seed());
                assertEquals(java.util.Arrays.deepToString(want.b()), java.util.Arrays.deepToString(got.b()),
                        "Galois key " + e.getKey());
            }
            assertArrayEquals(relin.seed(), keys.relinearization().seed());
            assertFalse(java.util.Arrays.equals(keys.galois().get(5).seed(), keys.galois().get(25).seed()), "fresh seeds per key");
        }
    }
}
