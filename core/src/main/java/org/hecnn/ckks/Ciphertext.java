package org.hecnn.ckks;

import org.hecnn.backend.DevicePoly;

/**
 * A CKKS ciphertext (c0, c1[, c2]) over Q_level in NTT form on the context's engine, with its scale.
 * A freshly secret-key-encrypted ciphertext also remembers the seed of its uniform c1 so that it can be
 * serialised compressed; every operation drops that seed.
 */
public final class Ciphertext implements AutoCloseable {
    private final CkksContext context;
    private final DevicePoly[] parts;
    private final double scale;
    private byte[] c1Seed;

    public Ciphertext(CkksContext context, DevicePoly[] parts, double scale) {
        this(context, parts, scale, null);
    }

    /**
     * A ciphertext whose c1 is the uniform polynomial expanded from {@code c1Seed} (as by a secret-key encryption);
     * used by deserialisation so that a seed-compressed ciphertext stays compressible. The caller guarantees that
     * c1 is that expansion.
     */
    public static Ciphertext withSeed(CkksContext context, DevicePoly[] parts, double scale, byte[] c1Seed) {
        return new Ciphertext(context, parts, scale, c1Seed);
    }

    Ciphertext(CkksContext context, DevicePoly[] parts, double scale, byte[] c1Seed) {
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("a ciphertext has 2 or 3 parts, not " + parts.length);
        }
        this.context = context;
        this.parts = parts.clone();
        this.scale = scale;
        this.c1Seed = c1Seed == null ? null : c1Seed.clone();
    }

    public CkksContext context() {
        return context;
    }

    public DevicePoly part(int i) {
        return parts[i];
    }

    /** 2 for a normal ciphertext, 3 after a multiplication without relinearisation. */
    public int size() {
        return parts.length;
    }

    public int level() {
        return parts[0].qLimbs() - 1;
    }

    public double scale() {
        return scale;
    }

    /** Forgets the seed once c1 has been changed in place. */
    synchronized void dropSeed() {
        c1Seed = null;
    }

    /** The seed that regenerates c1, or null if c1 is not a fresh uniform polynomial. */
    public synchronized byte[] c1Seed() {
        return c1Seed == null ? null : c1Seed.clone();
    }

    @Override
    public void close() {
        for (DevicePoly p : parts) {
            p.close();
        }
    }

    @Override
    public String toString() {
        return String.format("Ciphertext[size %d, level %d, scale 2^%.2f]", parts.length, level(),
                Math.log(scale) / Math.log(2));
    }
}
