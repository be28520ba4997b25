package org.hecnn.inference.packed;

import org.hecnn.inference.HeOps;
import org.hecnn.ckks.Ciphertext;

/**
 * A weighted layer's plaintexts: its weight bank and, if the layer has a bias, its bias bank (one bias plaintext
 * per output ciphertext). Memory accounting, lockstep reuse, closing and adding the bias, once for every layer.
 * Made once the layer has added all its plaintexts: it encodes them then, on all cores.
 */
final class LayerPlaintexts implements AutoCloseable {
    private final PlaintextBank weights;
    private final PlaintextBank bias;

    /** @param bias the bias bank, or null for a layer without bias */
    LayerPlaintexts(PlaintextBank weights, PlaintextBank bias) {
        this.weights = weights;
        this.bias = bias;
        weights.encodePending();
        if (bias != null) {
            bias.encodePending();
        }
    }

    boolean hasBias() {
        return bias != null;
    }

    /** Plaintexts held. */
    int size() {
        return weights.size() + (bias == null ? 0 : bias.size());
    }

    /** Bytes held between evaluations, what they would hold in NTT form and as coefficients, for ring degree n. */
    long[] bytes(int n) {
        return PlaintextBank.footprint(n, weights, bias);
    }

    /** x plus bias plaintext {@code index} (x itself without a bias); x is closed when a new ciphertext replaces it. */
    Ciphertext addBias(HeOps ops, Ciphertext x, int index) {
        if (bias == null) {
            return x;
        }
        Ciphertext[] out = new Ciphertext[1];
        bias.with(index, p -> out[0] = ops.addPlain(x, p));
        x.close();
        return out[0];
    }

    /** Keeps converted plaintexts between applications while on (several images in lockstep). */
    void reuse(boolean on) {
        weights.reuse(on);
        if (bias != null) {
            bias.reuse(on);
        }
    }

    @Override
    public void close() {
        weights.close();
        if (bias != null) {
            bias.close();
        }
    }
}
