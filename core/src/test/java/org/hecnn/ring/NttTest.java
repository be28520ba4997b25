package org.hecnn.ring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NttTest {
    static long[] random(SplittableRandom rnd, int n, long q) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextLong(q);
        }
        return a;
    }

    static long[] schoolbook(long[] a, long[] b, Modulus q) {
        int n = a.length;
        long[] c = new long[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                long p = q.mul(a[i], b[j]);
                int k = i + j;
                if (k < n) {
                    c[k] = q.add(c[k], p);
                } else {
                    c[k - n] = q.sub(c[k - n], p);
                }
            }
        }
        return c;
    }

    @ParameterizedTest
    @ValueSource(ints = {30, 45, 55, 61})
    void nttProductMatchesSchoolbookNegacyclicProduct(int bits) {
        int logN = 7;
        Modulus q = new Modulus(Primes.generate(logN, new int[] {bits}, List.of()).get(0));
        NttTable t = new NttTable(q, logN);
        SplittableRandom rnd = new SplittableRandom(bits);
        long[] a = random(rnd, 1 << logN, q.value());
        long[] b = random(rnd, 1 << logN, q.value());
        long[] expected = schoolbook(a, b, q);
        long[] fa = a.clone();
        long[] fb = b.clone();
        Ntt.forward(fa, t);
        Ntt.forward(fb, t);
        long[] fc = new long[fa.length];
        for (int i = 0; i < fc.length; i++) {
            fc[i] = q.mul(fa[i], fb[i]);
        }
        Ntt.inverse(fc, t);
        assertArrayEquals(expected, fc);
    }

    @ParameterizedTest
    @ValueSource(ints = {10, 14})
    void forwardThenInverseIsIdentityAndOutputsAreCanonical(int logN) {
        Modulus q = new Modulus(Primes.generate(logN, new int[] {61}, List.of()).get(0));
        NttTable t = new NttTable(q, logN);
        long[] a = random(new SplittableRandom(logN), 1 << logN, q.value());
        long[] b = a.clone();
        Ntt.forward(b, t);
        for (long v : b) {
            assertEquals(true, v >= 0 && v < q.value());
        }
        Ntt.inverse(b, t);
        assertArrayEquals(a, b);
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 5, 25, 127})
    void nttSlotIEvaluatesAtPsiToTheOddExponent(int galois) {
        int logN = 6;
        Modulus q = new Modulus(Primes.generate(logN, new int[] {50}, List.of()).get(0));
        NttTable t = new NttTable(q, logN);
        long[] a = random(new SplittableRandom(galois), 1 << logN, q.value());
        long[] f = a.clone();
        Ntt.forward(f, t);
        for (int i = 0; i < f.length; i++) {
            long x = q.pow(t.psi(), 2L * BitReverse.reverse(i, logN) + 1);
            long v = 0;
            for (int k = a.length - 1; k >= 0; k--) {
                v = q.add(q.mul(v, x), a[k]);
            }
            assertEquals(v, f[i], "slot " + i);
        }
        // The NTT-domain permutation agrees with the coefficient-domain definition of the automorphism.
        long[] viaCoeff = Galois.applyToCoefficients(a, galois, q);
        Ntt.forward(viaCoeff, t);
        int[] perm = Galois.nttPermutation(galois, logN);
        long[] viaPerm = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            viaPerm[i] = f[perm[i]];
        }
        assertArrayEquals(viaCoeff, viaPerm);
    }
}
