package org.hecnn.rlwe;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.PolyEngine;
import org.hecnn.ring.Modulus;
import org.hecnn.ring.RnsRing;

/**
 * Generates RLWE keys with a cryptographically secure source by default. The deterministic constructor exists
 * only for reproducible tests and is named accordingly.
 */
public final class KeyGenerator {
    private final PolyEngine engine;
    private final RnsRing ring;
    private final AesCtrRandomness random;
    private final Sampler sampler;

    private KeyGenerator(PolyEngine engine, AesCtrRandomness random) {
        this.engine = engine;
        this.ring = engine.ring();
        this.random = random;
        this.sampler = new Sampler(random);
    }

    /** Keys and noise from the operating system's secure random source. */
    public static KeyGenerator secure(PolyEngine engine) {
        return new KeyGenerator(engine, AesCtrRandomness.secure());
    }

    /** INSECURE: every key follows from {@code seed}. For reproducible tests only, never for real data. */
    public static KeyGenerator insecureDeterministicForTestsOnly(PolyEngine engine, byte[] seed) {
        return new KeyGenerator(engine, AesCtrRandomness.fromSeed(seed));
    }

    public SecretKey secretKey() {
        return new SecretKey(sampler.ternary(ring.n()));
    }

    /** s in NTT form over Q (and P if withSpecial) on the engine. */
    public static DevicePoly secretPoly(PolyEngine engine, SecretKey sk, int qLimbs, boolean withSpecial) {
        DevicePoly s = engine.upload(Sampler.toResidues(sk.coefficientsUnsafe(), engine.ring(), qLimbs,
                withSpecial), qLimbs, withSpecial);
        engine.forwardNtt(s);
        return s;
    }

    /** Small signed polynomial lifted to every limb and transformed to NTT form on the engine. */
    static DevicePoly smallPoly(PolyEngine engine, int[] small, int qLimbs, boolean withSpecial) {
        DevicePoly p = engine.upload(Sampler.toResidues(small, engine.ring(), qLimbs, withSpecial), qLimbs,
                withSpecial);
        engine.forwardNtt(p);
        return p;
    }

    public PublicKey publicKey(SecretKey sk) {
        int ql = ring.qCount();
        byte[] seed = newSeed();
        try (DevicePoly s = secretPoly(engine, sk, ql, false);
             DevicePoly a = engine.upload(new Sampler(AesCtrRandomness.fromSeed(seed)).uniform(ring, ql, false),
                     ql, false);
             DevicePoly b = smallPoly(engine, sampler.gaussian(ring.n()), ql, false);
             DevicePoly as = engine.allocate(ql, false)) {
            engine.multiply(a, s, as);
            engine.subtract(b, as, b);
            return new PublicKey(engine.download(b), seed);
        }
    }

    /**
     * Switching key from the secret s' (given in NTT form over Q_l·P on the engine) to sk. The key covers the
     * data limbs s' has: a key for fewer limbs serves ciphertexts up to that level and is correspondingly smaller.
     */
    public SwitchingKey switchingKey(DevicePoly sourceSecret, SecretKey sk) {
        int ql = sourceSecret.qLimbs();
        int digits = ring.digitCount(ql);
        byte[] seed = newSeed();
        Sampler uniform = new Sampler(AesCtrRandomness.fromSeed(seed));
        long[][][] b = new long[digits][][];
        try (DevicePoly s = secretPoly(engine, sk, ql, true)) {
            for (int j = 0; j < digits; j++) {
                try (DevicePoly a = engine.upload(uniform.uniform(ring, ql, true), ql, true);
                     DevicePoly bj = smallPoly(engine, sampler.gaussian(ring.n()), ql, true);
                     DevicePoly as = engine.allocate(ql, true)) {
                    engine.multiply(a, s, as);
                    engine.subtract(bj, as, bj);
                    engine.multiplyConstantAdd(sourceSecret, gadgetFactors(j, ql), bj);
                    b[j] = engine.download(bj);
                }
            }
        }
        return new SwitchingKey(b, seed);
    }

    /** P·g_j per limb of Q_l·P: P mod q_i on digit j's limbs, 0 elsewhere. */
    private long[] gadgetFactors(int j, int ql) {
        long[] c = new long[ql + ring.pCount()];
        for (int i = ring.digitStart(j); i < ring.digitEnd(j, ql); i++) {
            Modulus qi = ring.q(i);
            long prod = 1;
            for (int k = 0; k < ring.pCount(); k++) {
                prod = qi.mul(prod, qi.reduce(ring.p(k).value()));
            }
            c[i] = prod;
        }
        return c;
    }

    public SwitchingKey relinearizationKey(SecretKey sk) {
        return relinearizationKey(sk, ring.qCount() - 1);
    }

    /** A relinearisation key for ciphertexts up to {@code maxLevel}. */
    public SwitchingKey relinearizationKey(SecretKey sk, int maxLevel) {
        int ql = checkLevel(maxLevel) + 1;
        try (DevicePoly s = secretPoly(engine, sk, ql, true);
             DevicePoly s2 = engine.allocate(ql, true)) {
            engine.multiply(s, s, s2);
            return switchingKey(s2, sk);
        }
    }

    public SwitchingKey galoisKey(SecretKey sk, int galoisElement) {
        return galoisKey(sk, galoisElement, ring.qCount() - 1);
    }

    /** A Galois key for ciphertexts up to {@code maxLevel}. */
    public SwitchingKey galoisKey(SecretKey sk, int galoisElement, int maxLevel) {
        int ql = checkLevel(maxLevel) + 1;
        try (DevicePoly s = secretPoly(engine, sk, ql, true);
             DevicePoly rotated = engine.allocate(ql, true)) {
            engine.automorphism(s, galoisElement, rotated);
            return switchingKey(rotated, sk);
        }
    }

    /**
     * Keys truncated to the levels they are used at: the relinearisation key up to {@code relinMaxLevel} and one
     * Galois key per element up to the level given for it.
     */
    public EvaluationKeys evaluationKeys(SecretKey sk, int relinMaxLevel, Map<Integer, Integer> galoisMaxLevels) {
        Map<Integer, SwitchingKey> galois = new LinkedHashMap<>();
        galoisMaxLevels.forEach((g, level) -> galois.put(g, galoisKey(sk, g, level)));
        return new EvaluationKeys(relinearizationKey(sk, relinMaxLevel), galois);
    }

    private int checkLevel(int level) {
        if (level < 0 || level >= ring.qCount()) {
            throw new IllegalArgumentException("key level " + level + " is outside 0.." + (ring.qCount() - 1));
        }
        return level;
    }

    /** The relinearisation key and one Galois key per distinct element. */
    public EvaluationKeys evaluationKeys(SecretKey sk, int... galoisElements) {
        Map<Integer, SwitchingKey> galois = new LinkedHashMap<>();
        for (int g : galoisElements) {
            galois.computeIfAbsent(g, e -> galoisKey(sk, e));
        }
        return new EvaluationKeys(relinearizationKey(sk), galois);
    }

    /** A seed for a uniform component: drawn from this generator's stream. */
    private byte[] newSeed() {
        byte[] seed = new byte[AesCtrRandomness.SEED_BYTES];
        random.nextBytes(seed);
        return seed;
    }

    /** Expands the uniform a-components of a switching key from its seed. */
    public static long[][][] expandSwitchingKeyA(RnsRing ring, SwitchingKey key) {
        Sampler uniform = new Sampler(AesCtrRandomness.fromSeed(key.seed()));
        long[][][] a = new long[key.digits()][][];
        int ql = key.b()[0].length - ring.pCount();
        for (int j = 0; j < a.length; j++) {
            a[j] = uniform.uniform(ring, ql, true);
        }
        return a;
    }

    /** Expands the uniform a-component of a public key from its seed. */
    public static long[][] expandPublicKeyA(RnsRing ring, PublicKey key) {
        return new Sampler(AesCtrRandomness.fromSeed(key.seed())).uniform(ring, ring.qCount(), false);
    }
}
