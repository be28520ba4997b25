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
     * 2^24 activations, 2^18 weights: 60-bit layer primes. At N = 2^16 a weight encoded at W carries √(N/12)/W of
     * rounding error per slot and every key switch or rescale adds about 1.6·10^-4 at s = 2^26
     * ({@code org.hecnn.bench.NoiseSources}); s·W² is fixed by the prime, and 24/18 balances the two. Measured with
     * `hecnn infer --trace` on ResNet-20 (docs/inference.md), back to back: mean 4.57 bits per layer and logit
     * error 0.150 against 4.12 bits and 0.183 at 26/17; 23/19 and 29/16 were worse still.
     */
    public static PrecisionTargets standard() {
        return new PrecisionTargets(24, 18, 8);
    }

    public int layerPrimeBits() {
        return scaleBits + 2 * weightBits;
    }

    public int outputPrimeBits() {
        return MAX_PRIME_BITS;
    }
}
