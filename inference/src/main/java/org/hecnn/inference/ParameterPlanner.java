package org.hecnn.inference;

import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.SecurityStandard;

/**
 * Chooses the smallest 128-bit-secure CKKS parameter set for a network: one output prime and one prime per
 * activation level (tower reuse), then as many 61-bit special primes as the security bound leaves room for (at
 * least two), with key-switching digits one prime narrower than P, so that P exceeds every digit by about 2^61
 * (key switching adds almost no noise at the activation scale) while the digits stay few: fewer digits make
 * evaluation keys smaller and key switching faster. The ring degree is the smallest with enough slots whose
 * bound admits the modulus.
 */
public final class ParameterPlanner {
    static final int MIN_SPECIAL_PRIMES = 2;
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
        int dataBits = data[0] + levels * targets.layerPrimeBits();
        int minLogN = Math.max(10, 32 - Integer.numberOfLeadingZeros(Math.max(1, slotsNeeded * 2 - 1)));
        for (int logN = minLogN; logN <= 16; logN++) {
            int room = SecurityStandard.maxLogQP(logN) - dataBits;
            int special = Math.min(room / SPECIAL_BITS, levels + 2);
            if (special >= MIN_SPECIAL_PRIMES) {
                int alpha = special - 1;
                int[] specialBits = new int[special];
                java.util.Arrays.fill(specialBits, SPECIAL_BITS);
                return CkksParameters.builder().logN(logN).dataPrimeBits(data).specialPrimeBits(specialBits)
                        .dnum((levels + alpha) / alpha).scaleBits(targets.scaleBits()).build();
            }
        }
        throw new UnsupportedNetworkException("(network)", levels + " activation levels need log QP of at least "
                + (dataBits + MIN_SPECIAL_PRIMES * SPECIAL_BITS) + " bits, more than the 128-bit bound at N = 2^16 ("
                + SecurityStandard.maxLogQP(16) + "); lower the precision targets or the depth");
    }
}
