package org.hecnn.inference.batched;

import org.hecnn.ckks.CkksParameters;

/**
 * What a client of a batched network must know, and nothing about the model: the CKKS parameters, how many
 * input neurons (one ciphertext each) it sends and output neurons it gets back, the input scale, and the input
 * range the server's plan is proven for.
 */
public record BatchedInterface(CkksParameters parameters, int inputs, int outputs, double inputScale,
                               double inputLo, double inputHi) {
    /** Images one request can carry: one per slot. */
    public int capacity() {
        return parameters.slots();
    }
}
