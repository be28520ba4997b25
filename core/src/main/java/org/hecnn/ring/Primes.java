package org.hecnn.ring;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Deterministic generation of NTT-friendly primes q ≡ 1 (mod 2N) of requested bit sizes. */
public final class Primes {
    private static final long[] WITNESSES = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};

    private Primes() {
    }

    /**
     * Returns primes q ≡ 1 mod 2N, one per requested bit size, all distinct and distinct from {@code exclude}.
     * Each prime has exactly the requested number of bits and is the largest such prime not already taken,
     * so the result depends only on the arguments.
     */
    public static List<Long> generate(int logN, int[] bitSizes, Collection<Long> exclude) {
        Set<Long> taken = new HashSet<>(exclude);
        List<Long> out = new ArrayList<>(bitSizes.length);
        long step = 2L << logN;
        for (int bits : bitSizes) {
            if (bits < logN + 2 || bits > Modulus.MAX_BITS) {
                throw new IllegalArgumentException("prime bit size " + bits + " must be in [" + (logN + 2)
                        + ", " + Modulus.MAX_BITS + "] for N = 2^" + logN);
            }
            long lower = 1L << (bits - 1);
            long candidate = ((1L << bits) - 1) / step * step + 1;
            while (candidate > lower && (taken.contains(candidate) || !isPrime(candidate))) {
                candidate -= step;
            }
            if (candidate <= lower) {
                throw new IllegalArgumentException("no more " + bits + "-bit primes ≡ 1 mod 2^" + (logN + 1));
            }
            taken.add(candidate);
            out.add(candidate);
        }
        return out;
    }

    /** Deterministic Miller–Rabin, exact for all 64-bit inputs. */
    public static boolean isPrime(long n) {
        if (n < 2) {
            return false;
        }
        for (long p : WITNESSES) {
            if (n % p == 0) {
                return n == p;
            }
        }
        long d = n - 1;
        int r = Long.numberOfTrailingZeros(d);
        d >>>= r;
        for (long a : WITNESSES) {
            long x = powMod(a, d, n);
            if (x == 1 || x == n - 1) {
                continue;
            }
            boolean composite = true;
            for (int i = 1; i < r; i++) {
                x = mulMod(x, x, n);
                if (x == n - 1) {
                    composite = false;
                    break;
                }
            }
            if (composite) {
                return false;
            }
        }
        return true;
    }

    /** Finds a primitive 2N-th root of unity modulo the prime q (q ≡ 1 mod 2N), the smallest by generator. */
    public static long primitiveRoot2N(long q, int logN) {
        long order = 2L << logN;
        long cofactor = (q - 1) / order;
        for (long g = 2; g < q; g++) {
            long candidate = powMod(g, cofactor, q);
            // candidate has order dividing 2N; it is primitive iff candidate^N = -1.
            if (powMod(candidate, order / 2, q) == q - 1) {
                return candidate;
            }
        }
        throw new IllegalStateException("no primitive 2N-th root modulo " + q);
    }

    static long mulMod(long a, long b, long m) {
        return Math.floorMod(
                java.math.BigInteger.valueOf(a).multiply(java.math.BigInteger.valueOf(b))
                        .mod(java.math.BigInteger.valueOf(m)).longValue(), m);
    }

    static long powMod(long base, long exp, long m) {
        return java.math.BigInteger.valueOf(base).modPow(java.math.BigInteger.valueOf(exp),
                java.math.BigInteger.valueOf(m)).longValue();
    }
}
