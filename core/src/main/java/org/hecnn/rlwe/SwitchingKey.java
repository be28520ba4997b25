package org.hecnn.rlwe;

/**
 * A hybrid key-switching key from some secret s' to the secret s: for each digit j,
 * b_j = −a_j·s + e_j + P·g_j·s' over QP in NTT form, with the a_j expanded from {@link #seed()}
 * (digit by digit, in order, from one AES-CTR stream).
 */
public record SwitchingKey(long[][][] b, byte[] seed) {
    public int digits() {
        return b.length;
    }
}
