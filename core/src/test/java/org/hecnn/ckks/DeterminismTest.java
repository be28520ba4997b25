package org.hecnn.ckks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hecnn.backend.Backends;
import org.hecnn.backend.reference.ReferenceBackendProvider;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.EvaluationKeys;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SecretKey;
import org.junit.jupiter.api.Test;

/**
 * RNS arithmetic is exact, so the same seeds must give bit-identical ciphertexts on every backend: this runs a
 * circuit with seeded keys and noise on the reference backend and on the backend under test and compares every
 * limb of every intermediate result.
 */
class DeterminismTest {
    static final byte[] KEY_SEED = seed(1);
    static final byte[] NOISE_SEED = seed(2);

    static byte[] seed(int v) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) v);
        return s;
    }

    /** Every limb of every ciphertext the circuit produces, in order. */
    static List<long[][]> runCircuit(CkksContext ctx) {
        int logN = ctx.parameters().logN();
        CkksEncoder encoder = new CkksEncoder(ctx);
        KeyGenerator kg = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), KEY_SEED);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, Galois.rotationElement(1, logN), Galois.rotationElement(-3, logN),
                Galois.conjugationElement(logN));
        Encryptor enc = Encryptor.withPublicKeyInsecureDeterministicForTestsOnly(ctx, kg.publicKey(sk), NOISE_SEED);
        Evaluator ev = new Evaluator(ctx, evk);
        double[] x = new double[ctx.parameters().slots()];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.sin(i);
        }
        int top = ctx.parameters().maxLevel();
        double scale = ctx.parameters().defaultScale();
        Ciphertext a = enc.encrypt(encoder.encode(x, top, scale));
        Ciphertext b = enc.encrypt(encoder.encode(x, top, scale));
        List<Ciphertext> steps = new ArrayList<>();
        steps.add(a);
        Ciphertext prod = ev.rescale(ev.multiply(a, b));
        steps.add(prod);
        steps.addAll(List.of(ev.rotateHoisted(prod, new int[] {1, -3})));
        steps.add(ev.conjugate(prod));
        Ciphertext acc = ev.multiplyPlain(a, encoder.encode(x, top, scale));
        ev.multiplyPlainAccumulate(acc, b, encoder.encode(x, top, scale));
        steps.add(ev.rescale(acc));
        steps.add(ev.addConstant(ev.multiplyConstant(a, 0.7), 1.5 * ctx.ring().q(top).value()));
        List<long[][]> limbs = new ArrayList<>();
        for (Ciphertext c : steps) {
            for (int p = 0; p < c.size(); p++) {
                limbs.add(ctx.engine().download(c.part(p)));
            }
        }
        return limbs;
    }

    @Test
    void backendUnderTestMatchesReferenceBitForBit() {
        CkksParameters params = TestContexts.small(10);
        List<long[][]> expected;
        try (CkksContext ref = CkksContext.create(params, Backends.select(ReferenceBackendProvider.NAME))) {
            expected = runCircuit(ref);
            List<long[][]> again = runCircuit(ref);
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i), again.get(i), "seeded runs must repeat exactly");
            }
        }
        try (CkksContext ctx = TestContexts.context(params)) {
            List<long[][]> actual = runCircuit(ctx);
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i), actual.get(i),
                        "result " + i + " differs between reference and " + ctx.engine().backendName());
            }
        }
    }

    @Test
    void differentSeedsGiveDifferentKeys() {
        try (CkksContext ctx = TestContexts.context(TestContexts.small(10))) {
            SecretKey a = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), seed(1)).secretKey();
            SecretKey b = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), seed(9)).secretKey();
            SecretKey c = KeyGenerator.secure(ctx.engine()).secretKey();
            assertFalse(Arrays.equals(a.coefficients(), b.coefficients()));
            assertFalse(Arrays.equals(a.coefficients(), c.coefficients()));
        }
    }
}
