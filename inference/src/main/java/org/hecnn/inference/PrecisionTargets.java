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

    /**
     * 2^26 activations, 2^17 weights: 60-bit layer primes. Chosen by `hecnn infer --trace` on ResNet-20 at N = 2^16
     * (docs/inference.md): against 2^23/2^19 the layers gain 0.7 bit on average (mean 4.26 bits instead of 3.52)
     * because rescale and key-switch rounding, not weight rounding, dominates; 2^29/2^16 loses it again to the
     * weights.
     */
    public static PrecisionTargets standard() {
        return new PrecisionTargets(26, 17, 8);
    }

    public int layerPrimeBits() {
        return scaleBits + 2 * weightBits;
    }

    public int outputPrimeBits() {
        return MAX_PRIME_BITS;
    }
}
