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
    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, ByteOrder.LITTLE_ENDIAN);

    private final Cipher cipher;
    private final ByteBuffer buffer = ByteBuffer.allocate(BLOCK).order(ByteOrder.LITTLE_ENDIAN);
    private static final byte[] ZEROS = new byte[BLOCK];
    /** Keystream offset of buffer[0], and of the block the next refill makes. */
    private long bufferOffset;
    private long nextOffset;

    private AesCtrRandomness(byte[] seed, long offset) {
        if (seed.length != SEED_BYTES) {
            throw new IllegalArgumentException("seed must be " + SEED_BYTES + " bytes");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("keystream offset " + offset + " is negative");
        }
        // CTR mode's counter block is a 128-bit big-endian count of 16-byte blocks from zero: starting it at
        // offset / 16 gives the keystream from that block on.
        byte[] counter = java.math.BigInteger.valueOf(offset / 16).toByteArray();
        byte[] iv = new byte[16];
        System.arraycopy(counter, 0, iv, 16 - counter.length, counter.length);
        try {
            cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, "AES"), new IvParameterSpec(iv));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR is not available in this JVM", e);
        }
        nextOffset = offset - offset % 16;
        if (offset % 16 == 0) {
            bufferOffset = offset - BLOCK; // nothing made yet: position() is offset
            buffer.position(BLOCK);
        } else {
            refill();
            buffer.position((int) (offset % 16));
        }
    }

    /** A stream seeded from the operating system's secure random source. */
    public static AesCtrRandomness secure() {
        return new AesCtrRandomness(freshSeed(), 0);
    }

    /** The deterministic stream of a given seed (public seeds, or test-only deterministic generation). */
    public static AesCtrRandomness fromSeed(byte[] seed) {
        return new AesCtrRandomness(seed.clone(), 0);
    }

    /**
     * The stream of {@code seed} from byte {@code offset} of its keystream on: exactly what {@link #fromSeed} gives
     * after {@code offset} bytes were consumed (as {@link #position()} reports them).
     */
    public static AesCtrRandomness fromSeedAt(byte[] seed, long offset) {
        return new AesCtrRandomness(seed.clone(), offset);
    }

    /** Bytes of the keystream consumed so far (where {@link #fromSeedAt} would resume this stream). */
    public long position() {
        return bufferOffset + buffer.position();
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

    /**
     * {@link Randomness#fillUniform} without a call per word: the keystream is read as little-endian longs straight
     * from the block buffer, with the same mask-and-reject rule, so the values are identical.
     */
    @Override
    public void fillUniform(long[] out, long bound) {
        int bits = 64 - Long.numberOfLeadingZeros(bound - 1);
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        byte[] block = buffer.array();
        int i = 0;
        while (i < out.length) {
            if (!buffer.hasRemaining()) {
                refill();
            }
            int pos = buffer.position();
            int end = buffer.limit() - 7;
            if (bits <= 62) {
                // Branch-free: every word is stored and the index advances only for an accepted one (with about
                // half the words rejected for a prime just above a power of two, a branch is mispredicted often).
                while (pos < end && i < out.length) {
                    long r = (long) LONGS.get(block, pos) & mask;
                    pos += 8;
                    out[i] = r;
                    i += (int) ((r - bound) >>> 63); // r, bound < 2^62: the sign of r − bound says r < bound
                }
            } else {
                while (pos < end && i < out.length) {
                    long r = (long) LONGS.get(block, pos) & mask;
                    pos += 8;
                    if (Long.compareUnsigned(r, bound) < 0) {
                        out[i++] = r;
                    }
                }
            }
            buffer.position(pos);
            if (buffer.hasRemaining() && buffer.remaining() < Long.BYTES && i < out.length) {
                out[i++] = nextLong(bound); // a stream left mid-word by nextBytes goes on exactly as nextLong would
            }
        }
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
        bufferOffset = nextOffset;
        nextOffset += BLOCK;
        buffer.clear();
        try {
            cipher.update(ZEROS, 0, BLOCK, buffer.array(), 0);
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalStateException(e);
        }
        buffer.position(0);
        buffer.limit(BLOCK);
    }
}
