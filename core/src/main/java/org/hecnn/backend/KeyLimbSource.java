package org.hecnn.backend;

/**
 * The uniform half (the a_j) of a switching key, made limb by limb on demand instead of held: a seed-compressed key
 * derives it from its public seed, so an engine in host memory can keep only the seed and regenerate each limb as a
 * key switch reads it (half a key's memory, for the time the derivation takes). An engine that stores the key
 * instead takes every limb at once ({@link #expandAll}). Thread-safe: limbs may be made concurrently.
 */
public interface KeyLimbSource {
    /** Number of digits j. */
    int digits();

    /** Limbs per digit: the key's data limbs followed by the special limbs. */
    int limbs();

    /** Writes limb {@code limb} of digit {@code digit} (NTT form, residues of that limb's modulus) into {@code out}. */
    void fill(int digit, int limb, long[] out);

    /** Every limb, [digit][limb][coefficient] with {@code n} coefficients each; by default one {@link #fill} each. */
    default long[][][] expandAll(int n) {
        long[][][] limbs = new long[digits()][limbs()][];
        for (int j = 0; j < limbs.length; j++) {
            for (int t = 0; t < limbs[j].length; t++) {
                limbs[j][t] = new long[n];
                fill(j, t, limbs[j][t]);
            }
        }
        return limbs;
    }

    /**
     * This source ready for {@link #fill} at any limb, in any order, at its own cost per limb: an engine that keeps
     * the source calls it once, when the key is uploaded (a seed-derived source finds there where each limb starts
     * in its keystream). By default the source itself.
     */
    default KeyLimbSource randomAccess() {
        return this;
    }
}
