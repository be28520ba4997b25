package org.hecnn.rlwe;

/**
 * A hybrid key-switching key from some secret s' to the secret s: for each digit j,
 * b_j = −a_j·s + e_j + P·g_j·s' over Q_l·P in NTT form (Q_l: the data limbs the key covers), with the a_j expanded from {@link #seed()}
 * (digit by digit, in order, from one AES-CTR stream).
 */
public record SwitchingKey(long[][][] b, byte[] seed) {
    public int digits() {
        return b.length;
    }

    /** Data limbs the key covers (it serves ciphertexts up to level dataLimbs − 1). */
    public int dataLimbs(int specialPrimes) {
        return b[0].length - specialPrimes;
    }
}
