package org.hecnn.rlwe;

import org.hecnn.backend.KeyLimbSource;
import org.hecnn.ring.RnsRing;

/**
 * The uniform half of a seed-compressed switching key as a {@link KeyLimbSource}: limb t of digit j is the stretch
 * of the seed's AES-CTR keystream that {@link KeyGenerator#expandSwitchingKeyA} gives it. All limbs at once are one
 * pass over the keystream; {@link #randomAccess} makes that pass once without keeping the limbs, only where each one
 * starts, and then makes any limb again from there whenever it is asked for. Immutable and thread-safe.
 */
public final class SeededKeyLimbs implements KeyLimbSource {
    private final RnsRing ring;
    private final SwitchingKey key;
    private final byte[] seed;
    private final int qLimbs;
    /** Keystream offset where each [digit][limb] starts; null until {@link #randomAccess} located them. */
    private final long[][] offsets;

    private SeededKeyLimbs(RnsRing ring, SwitchingKey key, long[][] offsets) {
        this.ring = ring;
        this.key = key;
        this.seed = key.seed().clone();
        this.qLimbs = key.b()[0].length - ring.pCount();
        this.offsets = offsets;
    }

    /** The uniform half of {@code key} (nothing is derived yet). */
    public static SeededKeyLimbs of(RnsRing ring, SwitchingKey key) {
        return new SeededKeyLimbs(ring, key, null);
    }

    @Override
    public int digits() {
        return key.digits();
    }

    @Override
    public int limbs() {
        return qLimbs + ring.pCount();
    }

    /** One pass over the keystream: {@link KeyGenerator#expandSwitchingKeyA}. */
    @Override
    public long[][][] expandAll(int n) {
        return KeyGenerator.expandSwitchingKeyA(ring, key);
    }

    /** Locates every limb in one pass over the keystream (the limbs themselves are dropped). */
    @Override
    public SeededKeyLimbs randomAccess() {
        if (offsets != null) {
            return this;
        }
        AesCtrRandomness stream = AesCtrRandomness.fromSeed(seed);
        long[][] located = new long[digits()][limbs()];
        long[] scratch = new long[ring.n()];
        for (int j = 0; j < located.length; j++) {
            for (int t = 0; t < located[j].length; t++) {
                located[j][t] = stream.position();
                stream.fillUniform(scratch, ring.limbModulus(t, qLimbs).value());
            }
        }
        return new SeededKeyLimbs(ring, key, located);
    }

    /**
     * Limb {@code limb} of digit {@code digit}, made from its located offset; on a source not made by
     * {@link #randomAccess} each call first locates every limb (one keystream pass), so keep that one instead.
     */
    @Override
    public void fill(int digit, int limb, long[] out) {
        if (offsets == null) {
            randomAccess().fill(digit, limb, out);
            return;
        }
        AesCtrRandomness.fromSeedAt(seed, offsets[digit][limb])
                .fillUniform(out, ring.limbModulus(limb, qLimbs).value());
    }
}
