package org.hecnn.ring;

/** Bit-reversal of indices, as used by the NTT ordering and the Galois permutations. */
public final class BitReverse {
    private BitReverse() {
    }

    /** Reverses the lowest {@code bits} bits of {@code i}. */
    public static int reverse(int i, int bits) {
        return bits == 0 ? 0 : Integer.reverse(i) >>> (32 - bits);
    }
}
