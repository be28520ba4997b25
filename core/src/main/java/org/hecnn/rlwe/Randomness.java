package org.hecnn.rlwe;

/** A source of random 64-bit words for key generation, encryption noise and uniform polynomials. */
public interface Randomness {
    long nextLong();

    /** Uniform in [0, bound) without modulo bias. */
    default long nextLong(long bound) {
        int bits = 64 - Long.numberOfLeadingZeros(bound - 1);
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        while (true) {
            long r = nextLong() & mask;
            if (Long.compareUnsigned(r, bound) < 0) {
                return r;
            }
        }
    }
}
