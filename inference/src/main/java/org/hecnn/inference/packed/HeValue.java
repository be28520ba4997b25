package org.hecnn.inference.packed;

import org.hecnn.inference.FeatureMap;
import org.hecnn.ckks.Ciphertext;

/** An encrypted intermediate value: the ciphertexts of a feature map (or the logits) with its placement. */
record HeValue(Ciphertext[] ciphertexts, FeatureMap map) implements AutoCloseable {
    int level() {
        return ciphertexts[0].level();
    }

    double scale() {
        return ciphertexts[0].scale();
    }

    @Override
    public void close() {
        for (Ciphertext c : ciphertexts) {
            c.close();
        }
    }
}
