package org.hecnn.inference.packed;

/**
 * Bit sizes that set the precision of encrypted inference: activations are kept at scale 2^scaleBits, weight
 * plaintexts at about 2^weightBits, and the output prime (the largest supported) leaves {@code outputMarginBits}
 * bits of headroom above the logits' scale; the final linear layer's plaintexts get all the remaining precision,
 * which matters because folded pooling divisors make its weights small.
 *
 * <p>How a layer spends its modulus: with tower reuse ({@code separateRescales} false, the method's choice) a
 * convolution and the activation after it share one rescale by a prime of scaleBits + 2·weightBits bits (the
 * squaring doubles the weight scale), so s·W² is bounded by the 61-bit prime. With separate rescales the layer gets
 * two primes, one of weightBits (removing the weight scale before the squaring) and one of scaleBits: the same
 * modulus buys s·W instead of s·W², i.e. weightBits more bits of precision, for twice the RNS limbs (about twice
 * the time and key memory).
 */
public record PrecisionTargets(int scaleBits, int weightBits, int outputMarginBits, boolean separateRescales) {
    /** Largest prime the ring layer supports. */
    static final int MAX_PRIME_BITS = 61;
    /**
     * Extra bits of the final linear layer's weight prime with separate rescales: a folded global average pool over
     * up to 2^12 positions divides its weights by that count, and these bits keep their relative precision.
     */
    static final int POOLED_WEIGHT_BITS = 12;

    public PrecisionTargets {
        if (scaleBits < 10 || weightBits < 8 || outputMarginBits < 2) {
            throw new IllegalArgumentException("precision targets too small: " + scaleBits + "/" + weightBits);
        }
        if (!separateRescales && scaleBits + 2 * weightBits > MAX_PRIME_BITS) {
            throw new IllegalArgumentException("with tower reuse scaleBits + 2·weightBits must be at most "
                    + MAX_PRIME_BITS + ", got " + scaleBits + " + 2·" + weightBits);
        }
        if (separateRescales && (scaleBits > MAX_PRIME_BITS - outputMarginBits || weightBits > MAX_PRIME_BITS)) {
            throw new IllegalArgumentException("with separate rescales scaleBits must be at most "
                    + (MAX_PRIME_BITS - outputMarginBits) + " and weightBits at most " + MAX_PRIME_BITS);
        }
    }

    /** Tower reuse (one prime per layer). */
    public PrecisionTargets(int scaleBits, int weightBits, int outputMarginBits) {
        this(scaleBits, weightBits, outputMarginBits, false);
    }

    /**
     * 2^24 activations, 2^18 weights, tower reuse: 60-bit layer primes. At N = 2^16 a weight encoded at W carries
     * √(N/12)/W of rounding error per slot and every key switch or rescale adds about 1.6·10^-4 at s = 2^26
     * ({@code org.hecnn.bench.NoiseSources}); s·W² is fixed by the prime, and 24/18 balances the two. Measured with
     * `hecnn infer --trace` on ResNet-20 (docs/inference.md), back to back: mean 4.57 bits per layer and logit
     * error 0.150 against 4.12 bits and 0.183 at 26/17; 23/19 and 29/16 were worse still.
     */
    public static PrecisionTargets standard() {
        return new PrecisionTargets(24, 18, 8);
    }

    /**
     * Separate rescales at the same 60 bits per layer: 2^33 activations, 2^27 weights. The two noise sources
     * balance where 2^(s − W) ≈ 64 (the ratio of their constants behind the 24/18 balance above), so s − W = 6.
     */
    public static PrecisionTargets precise() {
        return new PrecisionTargets(33, 27, 8, true);
    }

    /** The same targets with tower reuse or separate rescales. */
    public PrecisionTargets withSeparateRescales(boolean separate) {
        return new PrecisionTargets(scaleBits, weightBits, outputMarginBits, separate);
    }

    /** Primes the final linear layer consumes: none with tower reuse (q0 holds its scale), 1 with separate rescales. */
    public int linearPrimes() {
        return separateRescales ? 1 : 0;
    }

    /** Primes each activation consumes: 1 with tower reuse, 2 with separate rescales. */
    public int primesPerLayer() {
        return separateRescales ? 2 : 1;
    }

    /**
     * Bit sizes of the data primes q_0..q_L for a network of {@code activations} activation levels: the output prime,
     * with separate rescales a weight prime for the final linear layer ({@link #POOLED_WEIGHT_BITS} wider than the
     * others), then per activation, lowest level first,
     * its primes (tower reuse: one of scaleBits + 2·weightBits; separately: the scale prime, consumed second, and
     * the weight prime, consumed first).
     */
    public int[] chainBits(int activations) {
        int[] layer = separateRescales ? new int[] {scaleBits, weightBits} : new int[] {scaleBits + 2 * weightBits};
        int head = separateRescales ? 2 : 1;
        int[] bits = new int[head + activations * layer.length];
        bits[0] = outputPrimeBits();
        if (separateRescales) {
            bits[1] = Math.min(MAX_PRIME_BITS, weightBits + POOLED_WEIGHT_BITS);
        }
        for (int i = head; i < bits.length; i++) {
            bits[i] = layer[(i - head) % layer.length];
        }
        return bits;
    }

    public int outputPrimeBits() {
        return MAX_PRIME_BITS;
    }

    /**
     * The largest |logit| the plan represents without wrapping around q_0: with tower reuse the logits sit at
     * 2^(outputPrimeBits − outputMarginBits), leaving 2^(outputMarginBits − 1); with separate rescales they sit at
     * the activation scale, leaving 2^(outputPrimeBits − scaleBits − 1).
     */
    public double outputCapacity() {
        return Math.scalb(1.0, (separateRescales ? outputPrimeBits() - scaleBits : outputMarginBits) - 1);
    }

    /** The same targets with another output margin. */
    public PrecisionTargets withOutputMarginBits(int bits) {
        return new PrecisionTargets(scaleBits, weightBits, bits, separateRescales);
    }
}
