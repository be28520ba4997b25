package org.hecnn.inference.packed;

import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.OpCounts;
import org.hecnn.ckks.Ciphertext;

/**
 * A compiled convolution on encrypted feature maps: its output placement, the rotations it needs keys for, its
 * operation counts and plaintext memory, and its evaluation. The result is not rescaled.
 */
public interface ConvolutionLayer extends AutoCloseable {
    FeatureMap output();

    /** Every rotation step the layer uses (for generating Galois keys). */
    int[] rotationSteps();

    /** Operations one evaluation performs, exactly as {@link HeOps} counts them. */
    OpCounts counts();

    /** Bytes the plaintexts hold between evaluations, and what they would hold in NTT form and as coefficients. */
    long[] plaintextBytes(int n);

    Ciphertext[] apply(HeOps ops, Ciphertext[] inputs);

    /**
     * Evaluates several images (one input array each) and returns their outputs in order, each as {@link #apply}
     * gives it. The default applies them one by one with converted plaintexts kept for all of them.
     */
    default java.util.List<Ciphertext[]> applyTogether(HeOps ops, java.util.List<Ciphertext[]> inputs) {
        reusePlaintexts(true);
        try {
            return inputs.stream().map(x -> apply(ops, x)).toList();
        } finally {
            reusePlaintexts(false);
        }
    }

    /** Keeps converted plaintexts between applications while on (several images in lockstep). */
    void reusePlaintexts(boolean on);

    @Override
    void close();
}
