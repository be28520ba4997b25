package org.hecnn.inference.packed;

import org.hecnn.inference.OpCounts;

/**
 * One line of a compiled network's plan: the node, what it does, the level its result lives at, the result's
 * scale (log2), its ciphertext count, the homomorphic operations per image and the plaintext memory it holds.
 */
public record LayerPlan(String node, String kind, int level, double scaleBits, int ciphertexts, OpCounts counts,
                        long plaintextBytes, long plaintextBytesIfNtt, long plaintextBytesIfCoefficients) {
}
