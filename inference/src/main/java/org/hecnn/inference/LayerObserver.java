package org.hecnn.inference;

import org.hecnn.ckks.Ciphertext;

/**
 * Sees every layer's encrypted output during an evaluation (server side: ciphertexts only), for precision traces:
 * a client holding the key can decrypt what the observer forwards and compare each layer with plaintext.
 */
@FunctionalInterface
public interface LayerObserver {
    /** The output of {@code node}: its ciphertexts, laid out as {@code map} (not to be closed or kept). */
    void layerOutput(String node, Ciphertext[] ciphertexts, FeatureMap map);

    LayerObserver NONE = (n, c, m) -> { };
}
