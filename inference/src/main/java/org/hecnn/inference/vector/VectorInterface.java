package org.hecnn.inference.vector;

import org.hecnn.ckks.CkksParameters;

/**
 * What a client of a single-image vector network must know: the parameters, how to arrange the input (the first
 * layer's public receptive fields, their period and blocks per ciphertext), the rotation keys to make, the input
 * scale and range, and the number of outputs. It holds no weight.
 *
 * @param fields      per first-layer output j, the input indices it reads (−1: padding); the client puts input
 *                    fields[j][k] in slot (k mod blocks)·period + j of ciphertext k / blocks
 */
public record VectorInterface(CkksParameters parameters, int inputs, int outputs, int[][] fields, int period,
                              int blocksPerCiphertext, int ciphertexts, double inputScale, double inputLo,
                              double inputHi, int[] rotationSteps) {
}
