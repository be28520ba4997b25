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
        Sampler sampler = new Sampler(random);
        int n = context.ring().n();
        long[][] b;
        long[][] a;
        synchronized (this) {
            if (publicA == null) {
                publicA = KeyGenerator.expandPublicKeyA(context.ring(), publicKey);
            }
            b = java.util.Arrays.copyOf(publicKey.b(), ql);
            a = java.util.Arrays.copyOf(publicA, ql);
        }
        try (DevicePoly u = small(sampler.ternary(n), ql);
             DevicePoly pb = e.upload(b, ql, false);
             DevicePoly pa = e.upload(a, ql, false)) {
            DevicePoly c0 = small(sampler.gaussian(n), ql);
            DevicePoly c1 = small(sampler.gaussian(n), ql);
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
        random.nextBytes(seed);
        Sampler sampler = new Sampler(random);
        DevicePoly c1 = e.upload(new Sampler(AesCtrRandomness.fromSeed(seed)).uniform(context.ring(), ql, false),
                ql, false);
        DevicePoly c0 = small(sampler.gaussian(context.ring().n()), ql);
        try (DevicePoly s = KeyGenerator.secretPoly(e, secretKey, ql, false);
             DevicePoly as = e.allocate(ql, false)) {
            e.multiply(c1, s, as);
            e.subtract(c0, as, c0);
            e.add(c0, pt.poly(), c0);
        }
        return new Ciphertext(context, new DevicePoly[] {c0, c1}, pt.scale(), seed);
    }
}
