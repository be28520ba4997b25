package org.hecnn.inference.service;

import org.hecnn.backend.host.HostEngine;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.ring.RnsRing;

/**
 * What a client's evaluation keys for a network weigh: an upper bound on the uploaded bytes (each key's b part,
 * 8 bytes per coefficient, its a part being a seed) and the memory they take in a CPU engine (b alone where the
 * engine keeps a's seed, {@code HostEngine.SEEDED_KEYS}; else b and the expanded a, with Shoup companions below
 * N = 2^16). Every key is counted only up to the level it serves. Stateless.
 */
public final class KeyFootprint {
    /** Bytes a key's header and digit framing may add, generously. */
    private static final long FRAMING_BYTES = 4096;

    private final long limbs;
    private final int keys;
    private final int n;
    private final int logN;

    private KeyFootprint(long limbs, int keys, int n, int logN) {
        this.limbs = limbs;
        this.keys = keys;
        this.n = n;
        this.logN = logN;
    }

    /**
     * The relinearisation key (up to the input level) and every Galois key (each up to its level) a client of
     * {@code network} uploads.
     */
    public static KeyFootprint of(EncryptedNetwork network) {
        RnsRing ring = network.context().ring();
        ServiceDescription d = network.description();
        long limbs = limbs(ring, d.inputLevel());
        for (int level : d.rotationLevels()) {
            limbs += limbs(ring, level);
        }
        return new KeyFootprint(limbs, d.rotationLevels().length + 1, ring.n(), d.parameters().logN());
    }

    private static long limbs(RnsRing ring, int level) {
        return (long) ring.digitCount(level + 1) * (level + 1 + ring.pCount());
    }

    /** The most bytes a key upload (with its header) can take. */
    public long maxUploadBytes() {
        return limbs * n * 8 + keys * FRAMING_BYTES + 1024;
    }

    /** Bytes the keys take in a CPU engine. */
    public long engineBytes() {
        int copies = HostEngine.seededKeys(logN) ? 1 : HostEngine.compactKeys(logN) ? 2 : 4;
        return limbs * n * 8 * copies;
    }

    /** RNS limbs of all keys together (digits x limbs per digit, each key up to its level). */
    public long limbs() {
        return limbs;
    }

    /** How many keys (relinearisation plus Galois). */
    public int keys() {
        return keys;
    }
}
