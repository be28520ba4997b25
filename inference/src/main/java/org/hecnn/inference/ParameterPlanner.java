package org.hecnn.inference;

import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.SecurityStandard;

/**
 * Chooses the smallest 128-bit-secure CKKS parameter set for a network: one output prime, one prime per
 * activation level (tower reuse), key-switching digits of two primes under three 61-bit special primes (so P
 * exceeds every digit by about 2^61 and key switching adds almost no noise at the activation scale), and the
 * smallest ring degree that has enough slots and admits the total modulus.
 */
public final class ParameterPlanner {
    static final int SPECIAL_PRIMES = 3;
    static final int PRIMES_PER_DIGIT = 2;
    static final int SPECIAL_BITS = 61;

    private ParameterPlanner() {
    }

    /**
     * @param levels      number of activation levels (the network's depth)
     * @param slotsNeeded slots one ciphertext must offer (a channel plane's block)
     */
    public static CkksParameters choose(int levels, int slotsNeeded, PrecisionTargets targets) {
        int[] data = new int[levels + 1];
        data[0] = targets.outputPrimeBits();
        for (int i = 1; i <= levels; i++) {
            data[i] = targets.layerPrimeBits();
        }
        int logQP = data[0] + levels * targets.layerPrimeBits() + SPECIAL_PRIMES * SPECIAL_BITS;
        int minLogN = Math.max(10, 32 - Integer.numberOfLeadingZeros(Math.max(1, slotsNeeded * 2 - 1)));
        for (int logN = minLogN; logN <= 16; logN++) {
            if (logQP <= SecurityStandard.maxLogQP(logN)) {
                int[] special = new int[SPECIAL_PRIMES];
                java.util.Arrays.fill(special, SPECIAL_BITS);
                return CkksParameters.builder().logN(logN).dataPrimeBits(data).specialPrimeBits(special)
                        .dnum((levels + PRIMES_PER_DIGIT) / PRIMES_PER_DIGIT).scaleBits(targets.scaleBits()).build();
            }
        }
        throw new UnsupportedNetworkException("(network)", levels + " activation levels need log QP = " + logQP
                + " bits, more than the 128-bit bound at N = 2^16 (" + SecurityStandard.maxLogQP(16)
                + "); lower the precision targets or the depth");
    }
}
