package org.hecnn.inference.packed;

import org.hecnn.inference.UnsupportedNetworkException;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.SecurityStandard;

/**
 * Chooses the smallest 128-bit-secure CKKS parameter set for a network: one output prime and, per activation level,
 * the primes the targets give it (one with tower reuse, two with separate rescales), then as many 61-bit special
 * primes as the security bound leaves room for (at least two), with key-switching digits as wide as P allows with
 * {@link #DIGIT_MARGIN_BITS} to spare. The key's error enters a key switch multiplied by digit/P (about 2^-20 here,
 * times σ·√N ≈ 2^9: far below the ModDown rounding error of about 2^14 that every key switch adds anyway), while
 * fewer digits make evaluation keys smaller and key switching faster.
 * The ring degree is the smallest with enough slots whose bound admits the modulus.
 */
public final class ParameterPlanner {
    static final int MIN_SPECIAL_PRIMES = 2;
    static final int SPECIAL_BITS = 61;
    static final int DIGIT_MARGIN_BITS = 20;
    /** The largest ring degree (log) the HomomorphicEncryption.org table gives a 128-bit bound for here. */
    static final int MAX_LOG_N = 16;

    private ParameterPlanner() {
    }

    /**
     * @param levels      number of activation levels (the network's depth in activations)
     * @param slotsNeeded slots one ciphertext must offer (a channel plane's block)
     */
    public static CkksParameters choose(int levels, int slotsNeeded, PrecisionTargets targets) {
        int[] data = targets.chainBits(levels);
        int dataBits = java.util.Arrays.stream(data).sum();
        int minLogN = Math.max(10, 32 - Integer.numberOfLeadingZeros(Math.max(1, slotsNeeded * 2 - 1)));
        if (minLogN > MAX_LOG_N) {
            throw new UnsupportedNetworkException("(input)", "one channel plane of the input needs a block of "
                    + slotsNeeded + " slots in one ciphertext, so N = 2^" + minLogN + "; the largest ring with a "
                    + "128-bit bound is N = 2^" + MAX_LOG_N + " (" + (1 << (MAX_LOG_N - 1)) + " slots): give the model "
                    + "inputs of at most " + (1 << (MAX_LOG_N - 1)) + " pixels per channel (e.g. 128x128)");
        }
        for (int logN = minLogN; logN <= MAX_LOG_N; logN++) {
            int room = SecurityStandard.maxLogQP(logN) - dataBits;
            int special = Math.min(room / SPECIAL_BITS, data.length + 1);
            if (special >= MIN_SPECIAL_PRIMES) {
                int alpha = digitWidth(data, special * SPECIAL_BITS - DIGIT_MARGIN_BITS);
                int[] specialBits = new int[special];
                java.util.Arrays.fill(specialBits, SPECIAL_BITS);
                return CkksParameters.builder().logN(logN).dataPrimeBits(data).specialPrimeBits(specialBits)
                        .dnum((data.length + alpha - 1) / alpha).scaleBits(targets.scaleBits()).build();
            }
        }
        throw new UnsupportedNetworkException("(network)", levels + " activation levels need log QP of at least "
                + (dataBits + MIN_SPECIAL_PRIMES * SPECIAL_BITS) + " bits, more than the 128-bit bound at N = 2^"
                + MAX_LOG_N + " (" + SecurityStandard.maxLogQP(MAX_LOG_N) + "); lower the precision targets or the "
                + "depth");
    }

    /** The most consecutive data primes whose bits, in any window of the chain, stay within {@code bound}. */
    static int digitWidth(int[] dataBits, int bound) {
        int width = 1;
        while (width < dataBits.length && windowMax(dataBits, width + 1) <= bound) {
            width++;
        }
        return width;
    }

    private static int windowMax(int[] bits, int width) {
        int best = 0;
        for (int start = 0; start + width <= bits.length; start++) {
            int sum = 0;
            for (int i = start; i < start + width; i++) {
                sum += bits[i];
            }
            best = Math.max(best, sum);
        }
        return best;
    }
}
