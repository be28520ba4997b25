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
 *
 * <p>Every switching key draws two seeds from the generator's stream, one for its public uniform part and one for
 * its secret error, so keys are independent of each other and can be made on several threads: the draws are
 * serialised (thread-safe), and {@link #evaluationKeys(SecretKey, int, Map)} draws all seeds in order first, so a
 * deterministic generator gives the same keys whatever the scheduling.
 */
public final class KeyGenerator {
    private final PolyEngine engine;
    private final RnsRing ring;
    private final AesCtrRandomness random;
    private final Sampler sampler;
    /** The last secret key used for switching keys, and its NTT residues over every limb of Q·P (guarded by this). */
    private SecretKey nttKey;
    private long[][] nttLimbs;

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
        synchronized (random) {
            return new SecretKey(sampler.ternary(ring.n()));
        }
    }

    /** The seeds of one switching key: its uniform part (public, sent with the key) and its error (secret). */
    private record KeySeeds(byte[] uniform, byte[] error) {
    }

    private KeySeeds drawSeeds() {
        synchronized (random) {
            return new KeySeeds(newSeed(), newSeed());
        }
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
        KeySeeds seeds = drawSeeds();
        byte[] seed = seeds.uniform();
        try (DevicePoly s = secretPoly(engine, sk, ql, false);
             DevicePoly a = engine.upload(new Sampler(AesCtrRandomness.fromSeed(seed)).uniform(ring, ql, false),
                     ql, false);
             DevicePoly b = smallPoly(engine, new Sampler(AesCtrRandomness.fromSeed(seeds.error())).gaussian(ring.n()),
                     ql, false);
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
        return switchingKey(sourceSecret, sk, drawSeeds());
    }

    private SwitchingKey switchingKey(DevicePoly sourceSecret, SecretKey sk, KeySeeds seeds) {
        int ql = sourceSecret.qLimbs();
        int digits = ring.digitCount(ql);
        byte[] seed = seeds.uniform();
        Sampler uniform = new Sampler(AesCtrRandomness.fromSeed(seed));
        Sampler errors = new Sampler(AesCtrRandomness.fromSeed(seeds.error()));
        long[][][] b = new long[digits][][];
        try (DevicePoly s = secretNtt(sk, ql)) {
            for (int j = 0; j < digits; j++) {
                try (DevicePoly a = engine.upload(uniform.uniform(ring, ql, true), ql, true);
                     DevicePoly bj = smallPoly(engine, errors.gaussian(ring.n()), ql, true)) {
                    engine.multiply(a, s, a); // a·s in place: a itself is not needed again
                    engine.subtract(bj, a, bj);
                    engine.multiplyConstantAdd(sourceSecret, gadgetFactors(j, ql), bj);
                    b[j] = engine.download(bj);
                }
            }
        }
        return new SwitchingKey(b, seed);
    }

    /**
     * s in NTT form over Q_l·P on the engine, from residues transformed once per secret key (every switching key
     * needs s twice; transforming it each time cost two full-size NTTs per key).
     */
    private DevicePoly secretNtt(SecretKey sk, int ql) {
        long[][] all;
        synchronized (this) {
            if (nttKey != sk) {
                try (DevicePoly s = secretPoly(engine, sk, ring.qCount(), true)) {
                    nttLimbs = engine.download(s);
                }
                nttKey = sk;
            }
            all = nttLimbs;
        }
        long[][] limbs = new long[ql + ring.pCount()][];
        for (int i = 0; i < ql; i++) {
            limbs[i] = all[i].clone();
        }
        for (int k = 0; k < ring.pCount(); k++) {
            limbs[ql + k] = all[ring.qCount() + k].clone();
        }
        return engine.upload(limbs, ql, true);
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
        return relinearizationKey(sk, maxLevel, drawSeeds());
    }

    private SwitchingKey relinearizationKey(SecretKey sk, int maxLevel, KeySeeds seeds) {
        int ql = checkLevel(maxLevel) + 1;
        try (DevicePoly s = secretNtt(sk, ql);
             DevicePoly s2 = engine.allocate(ql, true)) {
            engine.multiply(s, s, s2);
            return switchingKey(s2, sk, seeds);
        }
    }

    public SwitchingKey galoisKey(SecretKey sk, int galoisElement) {
        return galoisKey(sk, galoisElement, ring.qCount() - 1);
    }

    /** A Galois key for ciphertexts up to {@code maxLevel}. Thread-safe. */
    public SwitchingKey galoisKey(SecretKey sk, int galoisElement, int maxLevel) {
        return galoisKey(sk, galoisElement, maxLevel, drawSeeds());
    }

    private SwitchingKey galoisKey(SecretKey sk, int galoisElement, int maxLevel, KeySeeds seeds) {
        int ql = checkLevel(maxLevel) + 1;
        try (DevicePoly s = secretNtt(sk, ql);
             DevicePoly rotated = engine.allocate(ql, true)) {
            engine.automorphism(s, galoisElement, rotated);
            return switchingKey(rotated, sk, seeds);
        }
    }

    /**
     * Keys truncated to the levels they are used at: the relinearisation key up to {@code relinMaxLevel} and one
     * Galois key per element up to the level given for it. The keys are made in parallel (their sampling is
     * single-threaded per key); the seeds are drawn in order first, so the result does not depend on scheduling.
     */
    public EvaluationKeys evaluationKeys(SecretKey sk, int relinMaxLevel, Map<Integer, Integer> galoisMaxLevels) {
        KeySeeds relinSeeds = drawSeeds();
        java.util.List<Map.Entry<Integer, Integer>> entries = java.util.List.copyOf(galoisMaxLevels.entrySet());
        java.util.List<KeySeeds> seeds = entries.stream().map(e -> drawSeeds()).toList();
        SwitchingKey[] keys = new SwitchingKey[entries.size()];
        java.util.stream.IntStream.range(0, keys.length).parallel().forEach(i ->
                keys[i] = galoisKey(sk, entries.get(i).getKey(), entries.get(i).getValue(), seeds.get(i)));
        Map<Integer, SwitchingKey> galois = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            galois.put(entries.get(i).getKey(), keys[i]);
        }
        return new EvaluationKeys(relinearizationKey(sk, relinMaxLevel, relinSeeds), galois);
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

    /** A seed drawn from this generator's stream (callers hold its lock). */
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
