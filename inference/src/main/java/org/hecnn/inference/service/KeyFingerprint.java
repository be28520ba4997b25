package org.hecnn.inference.service;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.hecnn.rlwe.SecretKey;

/**
 * Names a client's key set: SHA-256 over a domain tag and the secret key's coefficients. It is one-way (it reveals
 * nothing usable about a ternary secret of thousands of coefficients), equal for every upload, request and response
 * made under one secret key, and different for any other key, so a server can bind a session to the keys uploaded
 * into it and refuse a request made under other keys before evaluating it. Immutable and thread-safe.
 */
public final class KeyFingerprint {
    /** Bytes of a fingerprint. */
    public static final int BYTES = 32;
    private static final byte[] DOMAIN = "hecnn key-set fingerprint v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final byte[] digest;

    private KeyFingerprint(byte[] digest) {
        this.digest = digest;
    }

    /** The fingerprint of the key set derived from {@code secretKey}. */
    static KeyFingerprint of(SecretKey secretKey) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(DOMAIN);
            int[] c = secretKey.coefficients();
            byte[] packed = new byte[c.length];
            for (int i = 0; i < c.length; i++) {
                packed[i] = (byte) c[i];
            }
            sha.update(packed);
            Arrays.fill(packed, (byte) 0);
            Arrays.fill(c, 0);
            return new KeyFingerprint(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** A fingerprint read from a message ({@link #BYTES} bytes). */
    static KeyFingerprint fromBytes(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a key fingerprint has " + BYTES + " bytes, got " + bytes.length);
        }
        return new KeyFingerprint(bytes.clone());
    }

    /** The digest (a copy). */
    public byte[] bytes() {
        return digest.clone();
    }

    /** The first 8 bytes in hex, for messages. */
    public String shortHex() {
        return HexFormat.of().formatHex(digest, 0, 8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyFingerprint f && MessageDigest.isEqual(digest, f.digest);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(digest);
    }

    @Override
    public String toString() {
        return "key set " + shortHex();
    }
}
