package org.hecnn.io;

import java.nio.charset.StandardCharsets;

/**
 * The hecnn binary format, version 1. Every serialised object is one or more <em>frames</em>; all integers are
 * little-endian.
 *
 * <pre>
 * frame   := header body trailer
 * header  := magic "HECN" (4 bytes) | format version u16 (= 1) | object type tag u8 | reserved u8 (= 0)
 *            | body length B u64
 * body    := B bytes, laid out per object type (see the codecs)
 * trailer := CRC32C (Castagnoli) u32 over header and body
 * </pre>
 *
 * <p>Every object except a parameter set starts its body with a 36-byte <em>binding</em>: the SHA-256
 * {@link org.hecnn.ckks.CkksParameters#fingerprint() parameter fingerprint} (32 bytes), then log2 N, the number of
 * data primes and the number of special primes (u8 each) and a reserved zero byte. Readers refuse an object whose
 * fingerprint differs from their parameters before allocating anything for it.
 *
 * <p>A polynomial is stored limb by limb (data limbs q_0.., then special limbs p_0.. where the object has them),
 * each limb as its N residues in the engine's canonical NTT order, bit-packed at the bit width w of the limb's
 * modulus: ceil(N·w/8) bytes per limb, coefficient k occupying bits k·w .. k·w+w−1 of the limb (bit i of the
 * limb is bit i mod 8 of byte i/8), unused bits of the last byte zero. Readers check that every residue is below
 * its modulus.
 *
 * <p>Readers never trust a size: every count is checked against what the parameters imply and the body length
 * must equal exactly what the declared shape needs before anything is allocated for it.
 */
public final class HecnnFormat {
    /** The four bytes every frame starts with: "HECN". */
    static final byte[] MAGIC = "HECN".getBytes(StandardCharsets.US_ASCII);
    /** The format version this library writes and the newest it reads. */
    public static final int VERSION = 1;
    /** Bytes of a frame header. */
    public static final int HEADER_BYTES = 16;
    /** Bytes of a frame trailer (the CRC32C). */
    public static final int TRAILER_BYTES = 4;
    /** Bytes of the parameter binding at the start of every non-parameter body. */
    public static final int BINDING_BYTES = 36;
    /** Bytes of a seed of a uniform polynomial. */
    public static final int SEED_BYTES = 32;
    /** Most primes of either kind a serialised parameter set may have. */
    public static final int MAX_PRIMES = 255;
    /** Largest body one frame may have (frames are read into a single byte array). */
    public static final long MAX_BODY_BYTES = Integer.MAX_VALUE - 64L;

    private HecnnFormat() {
    }

    /** Object types and their tags. */
    public enum ObjectType {
        PARAMETERS(1, "parameters"),
        PLAINTEXT(2, "plaintext"),
        CIPHERTEXT(3, "ciphertext"),
        PUBLIC_KEY(4, "public key"),
        /** One relinearisation or Galois key, as part of an {@link #EVALUATION_KEYS} object. */
        SWITCHING_KEY(5, "switching key"),
        /** The index frame of an evaluation-key set; its switching keys follow as their own frames. */
        EVALUATION_KEYS(6, "evaluation keys"),
        SECRET_KEY(7, "secret key"),
        /** The index of a network's compiled plaintexts: their banks' levels, scales and counts. */
        COMPILED_PLAINTEXTS(8, "compiled plaintexts"),
        /** A run of one bank's plaintexts as integer coefficients, part of a {@link #COMPILED_PLAINTEXTS} object. */
        PLAINTEXT_COEFFICIENTS(9, "plaintext coefficients");

        private final int tag;
        private final String label;

        ObjectType(int tag, String label) {
            this.tag = tag;
            this.label = label;
        }

        public int tag() {
            return tag;
        }

        /** Lower-case name used in messages. */
        public String label() {
            return label;
        }

        /** The type of a tag, or null if the tag is unknown. */
        static ObjectType ofTag(int tag) {
            for (ObjectType t : values()) {
                if (t.tag == tag) {
                    return t;
                }
            }
            return null;
        }
    }

    /**
     * The object type of serialised data, from its first header (magic, version and tag are checked; nothing
     * else is).
     */
    public static ObjectType peekType(byte[] data) {
        return Frames.peekType(data);
    }
}
