package org.hecnn.ckks;

/**
 * The HomomorphicEncryption.org security table for 128-bit classical security with a uniform ternary secret
 * and error σ = 3.2: the largest total modulus log2(QP) allowed for each ring degree.
 */
public final class SecurityStandard {
    private static final int[] MAX_LOG_QP = {
        /* logN 10 */ 27, /* 11 */ 54, /* 12 */ 109, /* 13 */ 218, /* 14 */ 438, /* 15 */ 881, /* 16 */ 1747};

    private SecurityStandard() {
    }

    /** Largest 128-bit-secure log2(QP) for N = 2^logN, logN in [10, 16]. */
    public static int maxLogQP(int logN) {
        if (logN < 10 || logN > 16) {
            throw new IllegalArgumentException("the security table covers logN 10..16, not " + logN);
        }
        return MAX_LOG_QP[logN - 10];
    }

    /** Smallest logN in [10, 16] whose bound admits {@code logQP} bits, or -1 if none does. */
    public static int minLogN(int logQP) {
        for (int logN = 10; logN <= 16; logN++) {
            if (logQP <= MAX_LOG_QP[logN - 10]) {
                return logN;
            }
        }
        return -1;
    }
}
