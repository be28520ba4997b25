package org.hecnn.rlwe;

import org.hecnn.backend.KeyLimbSource;
import org.hecnn.ring.RnsRing;

/**
 * The uniform half of a seed-compressed switching key as a {@link KeyLimbSource}: limb t of digit j is the stretch
 * of the seed's AES-CTR keystream that {@link KeyGenerator#expandSwitchingKeyA} would give it, found once (one pass
 * over the keystream, nothing kept but where each limb starts) and then made again from there whenever it is
 * asked for. Immutable and thread-safe.
 */
public final class SeededKeyLimbs implements KeyLimbSource {
    private final RnsRing ring;
    private final byte[] seed;
    private final int qLimbs;
    /** Keystream offset where each [digit][limb] starts. */
    private final long[][] offsets;

    private SeededKeyLimbs(RnsRing ring, byte[] seed, int qLimbs, long[][] offsets) {
        this.ring = ring;
        this.seed = seed;
        this.qLimbs = qLimbs;
        this.offsets = offsets;
    }

    /** The uniform half of {@code key}, located in its seed's keystream. */
    public static SeededKeyLimbs of(RnsRing ring, SwitchingKey key) {
        int ql = key.b()[0].length - ring.pCount();
        int limbs = ql + ring.pCount();
        AesCtrRandomness stream = AesCtrRandomness.fromSeed(key.seed());
        long[][] offsets = new long[key.digits()][limbs];
        long[] scratch = new long[ring.n()];
        for (int j = 0; j < offsets.length; j++) {
            for (int t = 0; t < limbs; t++) {
                offsets[j][t] = stream.position();
                stream.fillUniform(scratch, ring.limbModulus(t, ql).value());
            }
        }
        return new SeededKeyLimbs(ring, key.seed().clone(), ql, offsets);
    }

    @Override
    public int digits() {
        return offsets.length;
    }

    @Override
    public int limbs() {
        return offsets[0].length;
    }

    @Override
    public void fill(int digit, int limb, long[] out) {
        AesCtrRandomness.fromSeedAt(seed, offsets[digit][limb]).fillUniform(out, ring.limbModulus(limb, qLimbs).value());
    }
}
