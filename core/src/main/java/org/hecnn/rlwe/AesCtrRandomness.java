package org.hecnn.rlwe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A cryptographically secure stream of words: the AES-256-CTR keystream under a 32-byte seed.
 * Fresh instances are seeded from {@link SecureRandom}; instances from a public seed expand the uniform
 * "a" components of seed-compressed keys and ciphertexts, so both sides derive the same polynomial.
 */
public final class AesCtrRandomness implements Randomness {
    /** Length of a seed in bytes. */
    public static final int SEED_BYTES = 32;
    private static final int BLOCK = 8192;
    private static final SecureRandom SYSTEM = new SecureRandom();

    private final Cipher cipher;
    private final ByteBuffer buffer = ByteBuffer.allocate(BLOCK).order(ByteOrder.LITTLE_ENDIAN);
    private final byte[] zeros = new byte[BLOCK];

    private AesCtrRandomness(byte[] seed) {
        if (seed.length != SEED_BYTES) {
            throw new IllegalArgumentException("seed must be " + SEED_BYTES + " bytes");
        }
        try {
            cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, "AES"), new IvParameterSpec(new byte[16]));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR is not available in this JVM", e);
        }
        buffer.position(BLOCK);
    }

    /** A stream seeded from the operating system's secure random source. */
    public static AesCtrRandomness secure() {
        return new AesCtrRandomness(freshSeed());
    }

    /** The deterministic stream of a given seed (public seeds, or test-only deterministic generation). */
    public static AesCtrRandomness fromSeed(byte[] seed) {
        return new AesCtrRandomness(seed.clone());
    }

    /** 32 bytes from the operating system's secure random source. */
    public static byte[] freshSeed() {
        byte[] seed = new byte[SEED_BYTES];
        SYSTEM.nextBytes(seed);
        return seed;
    }

    @Override
    public long nextLong() {
        if (!buffer.hasRemaining()) {
            refill();
        }
        return buffer.getLong();
    }

    /** Fills {@code out} with fresh bytes of this stream (used to derive seeds). */
    public void nextBytes(byte[] out) {
        for (int i = 0; i < out.length; i++) {
            if (!buffer.hasRemaining()) {
                refill();
            }
            out[i] = buffer.get();
        }
    }

    private void refill() {
        buffer.clear();
        try {
            cipher.update(zeros, 0, BLOCK, buffer.array(), 0);
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalStateException(e);
        }
        buffer.position(0);
        buffer.limit(BLOCK);
    }
}
