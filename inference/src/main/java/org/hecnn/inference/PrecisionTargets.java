package org.hecnn.inference;

/**
 * Bit sizes that set the precision of encrypted inference: activations are kept at scale 2^scaleBits, weight
 * plaintexts at about 2^weightBits (tower reuse: each activation layer's prime has scaleBits + 2·weightBits
 * bits), and the output prime (the largest supported) leaves {@code outputMarginBits} bits of headroom above the
 * logits' scale; the final linear layer's plaintexts get all the remaining precision, which matters because
 * folded pooling divisors make its weights small.
 */
public record PrecisionTargets(int scaleBits, int weightBits, int outputMarginBits) {
    /** Largest prime the ring layer supports. */
    static final int MAX_PRIME_BITS = 61;

    public PrecisionTargets {
        if (scaleBits < 10 || weightBits < 8 || outputMarginBits < 2) {
            throw new IllegalArgumentException("precision targets too small: " + scaleBits + "/" + weightBits);
        }
        if (scaleBits + 2 * weightBits > MAX_PRIME_BITS) {
            throw new IllegalArgumentException("scaleBits + 2·weightBits must be at most " + MAX_PRIME_BITS);
        }
    }

    /** 2^23 activations, 2^19 weights: 61-bit layer primes. */
    public static PrecisionTargets standard() {
        return new PrecisionTargets(23, 19, 8);
    }

    public int layerPrimeBits() {
        return scaleBits + 2 * weightBits;
    }

    public int outputPrimeBits() {
        return MAX_PRIME_BITS;
    }
}
