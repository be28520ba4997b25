package org.hecnn.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ModulusTest {
    @Test
    void barrettShoupAndWordReductionAgreeWithBigInteger() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int bits : new int[] {17, 31, 40, 52, 60, 61}) {
            long qv = Primes.generate(12, new int[] {Math.max(bits, 14)}, List.of()).get(0);
            Modulus q = new Modulus(qv);
            BigInteger big = BigInteger.valueOf(qv);
            for (int i = 0; i < 20000; i++) {
                long a = i < 4 ? new long[] {0, 1, qv - 1, qv - 2}[i] : rnd.nextLong(qv);
                long b = rnd.nextLong(qv);
                long expected = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).mod(big).longValue();
                assertEquals(expected, q.mul(a, b));
                assertEquals(expected, q.mulShoup(a, b, q.shoup(b)));
                assertEquals(BigInteger.valueOf(b).shiftLeft(64).divide(big).longValue(), q.shoup(b),
                        "Shoup companion of " + b);
                long word = rnd.nextLong(Long.MAX_VALUE);
                assertEquals(Math.floorMod(word, qv), q.reduceWord(word));
            }
        }
    }

    @Test
    void primesAreNttFriendlyDistinctAndOfTheRequestedSize() {
        int logN = 14;
        int[] bits = {61, 61, 40, 40, 40, 30, 61};
        List<Long> primes = Primes.generate(logN, bits, List.of());
        assertEquals(bits.length, new HashSet<>(primes).size());
        for (int i = 0; i < bits.length; i++) {
            long q = primes.get(i);
            assertEquals(bits[i], 64 - Long.numberOfLeadingZeros(q));
            assertEquals(1, q % (2L << logN));
            assertTrue(BigInteger.valueOf(q).isProbablePrime(60));
        }
        assertEquals(primes, Primes.generate(logN, bits, List.of()), "generation must be deterministic");
        assertThrows(IllegalArgumentException.class, () -> Primes.generate(logN, new int[] {62}, List.of()));
    }
}
