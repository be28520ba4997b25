package org.hecnn.bench;

import java.util.Random;
import org.hecnn.backend.Backends;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.Decryptor;
import org.hecnn.ckks.Encryptor;
import org.hecnn.ckks.Evaluator;
import org.hecnn.ckks.Plaintext;
import org.hecnn.ckks.StandardParameters;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.EvaluationKeys;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.PublicKey;
import org.hecnn.rlwe.SecretKey;

/**
 * Everything a benchmark needs for one standard parameter set on one backend: context, secret and public key,
 * encoder, public-key encryptor, and helpers for fresh top-level ciphertexts. Keys come from the secure
 * generator, as in real use. Setup-only code: nothing here is timed.
 */
final class Fixture implements AutoCloseable {
    final CkksParameters parameters;
    final CkksContext context;
    final KeyGenerator keyGenerator;
    final SecretKey secretKey;
    final PublicKey publicKey;
    final CkksEncoder encoder;
    final Encryptor encryptor;
    private final Random random = new Random(20240611L);

    private Fixture(CkksParameters parameters, String backend) {
        this.parameters = parameters;
        this.context = CkksContext.create(parameters, Backends.select(backend));
        this.keyGenerator = KeyGenerator.secure(context.engine());
        this.secretKey = keyGenerator.secretKey();
        this.publicKey = keyGenerator.publicKey(secretKey);
        this.encoder = new CkksEncoder(context);
        this.encryptor = Encryptor.withPublicKey(context, publicKey);
    }

    /** The standard set for {@code logN} (14, 15 or 16) on the named backend ("cpu", "reference", ...). */
    static Fixture create(String backend, int logN) {
        Fixture f = new Fixture(StandardParameters.forLogN(logN), backend);
        System.out.println("# hecnn fixture: " + f.context + ", log QP " + f.parameters.logQP() + ", "
                + f.parameters.dataPrimes().size() + " data primes, " + f.parameters.specialPrimes().size()
                + " special, dnum " + f.parameters.dnum() + ", hecnn.threads="
                + System.getProperty("hecnn.threads", "(unset)") + ", cores "
                + Runtime.getRuntime().availableProcessors());
        return f;
    }

    int topLevel() {
        return parameters.maxLevel();
    }

    /** N/2 uniformly random reals in [-1, 1]. */
    double[] randomSlots() {
        double[] v = new double[parameters.slots()];
        for (int i = 0; i < v.length; i++) {
            v[i] = 2 * random.nextDouble() - 1;
        }
        return v;
    }

    Plaintext encodeTop(double[] values) {
        return encoder.encode(values, topLevel(), parameters.defaultScale());
    }

    Ciphertext encryptTop(double[] values) {
        try (Plaintext pt = encodeTop(values)) {
            return encryptor.encrypt(pt);
        }
    }

    /** Relinearisation key plus Galois keys for the given rotation steps. */
    EvaluationKeys evaluationKeys(int... rotationSteps) {
        int[] elements = new int[rotationSteps.length];
        for (int i = 0; i < elements.length; i++) {
            elements[i] = Galois.rotationElement(rotationSteps[i], parameters.logN());
        }
        return keyGenerator.evaluationKeys(secretKey, elements);
    }

    Evaluator evaluator(int... rotationSteps) {
        return new Evaluator(context, evaluationKeys(rotationSteps));
    }

    /**
     * Guards against timing a broken backend: decrypts {@code ct} and checks every slot against {@code expected}
     * within {@code tolerance}; throws with the worst slot otherwise.
     */
    void check(String what, Ciphertext ct, double[] expected, double tolerance) {
        double[] got;
        try (Plaintext pt = new Decryptor(context, secretKey).decrypt(ct)) {
            got = encoder.decode(pt);
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double e = Math.abs(got[i] - expected[i]);
            if (!(e <= worst)) {
                worst = e;
                at = i;
            }
        }
        if (!(worst <= tolerance)) {
            throw new IllegalStateException(what + " is wrong on " + context + ": slot " + at + " decrypts to "
                    + got[at] + ", expected " + expected[at] + " (error " + worst + " > " + tolerance + ")");
        }
    }

    /** The benchmark method's simple name (the part after the last dot of JMH's benchmark name). */
    static String method(org.openjdk.jmh.infra.BenchmarkParams params) {
        String name = params.getBenchmark();
        return name.substring(name.lastIndexOf('.') + 1);
    }

    static double[] rotateLeft(double[] v, int steps) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = v[Math.floorMod(i + steps, v.length)];
        }
        return r;
    }

    @Override
    public void close() {
        context.close();
    }
}
