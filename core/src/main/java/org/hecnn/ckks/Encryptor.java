package org.hecnn.ckks;

import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.PolyEngine;
import org.hecnn.rlwe.AesCtrRandomness;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.PublicKey;
import org.hecnn.rlwe.Sampler;
import org.hecnn.rlwe.SecretKey;

/**
 * Encrypts plaintexts under a public key (anyone may encrypt) or a secret key (the client; the result is
 * seed-compressible). Noise comes from a cryptographically secure source unless the explicitly test-only
 * deterministic factory is used.
 *
 * <p>Thread-safe: encryptions may run from many threads at once. Every draw from the encryptor's randomness stream
 * (seeds, ternary and Gaussian samples) happens under its lock, so two encryptions never share or corrupt random
 * bytes; the ring arithmetic runs outside it.
 */
public final class Encryptor {
    private final CkksContext context;
    private final PublicKey publicKey;
    private final SecretKey secretKey;
    private final AesCtrRandomness random;
    private long[][] publicA;

    private Encryptor(CkksContext context, PublicKey publicKey, SecretKey secretKey, AesCtrRandomness random) {
        this.context = context;
        this.publicKey = publicKey;
        this.secretKey = secretKey;
        this.random = random;
    }

    public static Encryptor withPublicKey(CkksContext context, PublicKey key) {
        return new Encryptor(context, key, null, AesCtrRandomness.secure());
    }

    public static Encryptor withSecretKey(CkksContext context, SecretKey key) {
        return new Encryptor(context, null, key, AesCtrRandomness.secure());
    }

    /** INSECURE: noise follows from {@code seed}; for reproducible tests only. */
    public static Encryptor withSecretKeyInsecureDeterministicForTestsOnly(CkksContext context, SecretKey key,
                                                                         byte[] seed) {
        return new Encryptor(context, null, key, AesCtrRandomness.fromSeed(seed));
    }

    /** INSECURE: noise follows from {@code seed}; for reproducible tests only. */
    public static Encryptor withPublicKeyInsecureDeterministicForTestsOnly(CkksContext context, PublicKey key,
                                                                         byte[] seed) {
        return new Encryptor(context, key, null, AesCtrRandomness.fromSeed(seed));
    }

    public Ciphertext encrypt(Plaintext pt) {
        context.checkOwner(pt.context(), "plaintext");
        return publicKey != null ? encryptPublic(pt) : encryptSecret(pt);
    }

    private DevicePoly small(int[] coefficients, int qLimbs) {
        PolyEngine e = context.engine();
        DevicePoly p = e.upload(Sampler.toResidues(coefficients, context.ring(), qLimbs, false), qLimbs, false);
        e.forwardNtt(p);
        return p;
    }

    private Ciphertext encryptPublic(Plaintext pt) {
        PolyEngine e = context.engine();
        int ql = pt.level() + 1;
        int n = context.ring().n();
        int[] ternary;
        int[] e0;
        int[] e1;
        synchronized (random) {
            Sampler sampler = new Sampler(random);
            ternary = sampler.ternary(n);
            e0 = sampler.gaussian(n);
            e1 = sampler.gaussian(n);
        }
        long[][] b;
        long[][] a;
        synchronized (this) {
            if (publicA == null) {
                publicA = KeyGenerator.expandPublicKeyA(context.ring(), publicKey);
            }
            b = java.util.Arrays.copyOf(publicKey.b(), ql);
            a = java.util.Arrays.copyOf(publicA, ql);
        }
        try (DevicePoly u = small(ternary, ql);
             DevicePoly pb = e.upload(b, ql, false);
             DevicePoly pa = e.upload(a, ql, false)) {
            DevicePoly c0 = small(e0, ql);
            DevicePoly c1 = small(e1, ql);
            e.multiplyAdd(pb, u, c0);
            e.add(c0, pt.poly(), c0);
            e.multiplyAdd(pa, u, c1);
            return new Ciphertext(context, new DevicePoly[] {c0, c1}, pt.scale());
        }
    }

    private Ciphertext encryptSecret(Plaintext pt) {
        PolyEngine e = context.engine();
        int ql = pt.level() + 1;
        byte[] seed = new byte[AesCtrRandomness.SEED_BYTES];
        int[] noise;
        synchronized (random) {
            random.nextBytes(seed);
            noise = new Sampler(random).gaussian(context.ring().n());
        }
        DevicePoly c1 = e.upload(new Sampler(AesCtrRandomness.fromSeed(seed)).uniform(context.ring(), ql, false),
                ql, false);
        DevicePoly c0 = small(noise, ql);
        try (DevicePoly s = KeyGenerator.secretPoly(e, secretKey, ql, false);
             DevicePoly as = e.allocate(ql, false)) {
            e.multiply(c1, s, as);
            e.subtract(c0, as, c0);
            e.add(c0, pt.poly(), c0);
        }
        return new Ciphertext(context, new DevicePoly[] {c0, c1}, pt.scale(), seed);
    }
}
