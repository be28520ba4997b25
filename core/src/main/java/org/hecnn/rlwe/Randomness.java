package org.hecnn.rlwe;

/**
 * A source of random 64-bit words for key generation, encryption noise and uniform polynomials. Implementations are
 * not thread-safe unless they say so.
 */
public interface Randomness {
    long nextLong();

    /**
     * Fills {@code out} with uniform values in [0, bound): exactly the values {@code out.length} calls of
     * {@link #nextLong(long)} would give, in order (seed-compressed keys and ciphertexts depend on it); implementations
     * may only make it faster.
     */
    default void fillUniform(long[] out, long bound) {
        for (int i = 0; i < out.length; i++) {
            out[i] = nextLong(bound);
        }
    }

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
