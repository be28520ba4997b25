package org.hecnn.backend;

/**
 * The uniform half (the a_j) of a switching key, made limb by limb on demand instead of held: a seed-compressed key
 * derives it from its public seed, so an engine in host memory can keep only the seed and regenerate each limb as a
 * key switch reads it (half a key's memory, for the time the derivation takes). Thread-safe: limbs may be made
 * concurrently.
 */
public interface KeyLimbSource {
    /** Number of digits j. */
    int digits();

    /** Limbs per digit: the key's data limbs followed by the special limbs. */
    int limbs();

    /** Writes limb {@code limb} of digit {@code digit} (NTT form, residues of that limb's modulus) into {@code out}. */
    void fill(int digit, int limb, long[] out);
}
