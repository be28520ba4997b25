package org.hecnn.ckks;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hecnn.backend.BackendUnavailableException;
import org.hecnn.backend.Backends;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.EvaluationKeys;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SecretKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every misuse gets a typed exception whose message names the problem and the fix. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
    CkksContext ctx;
    CkksEncoder encoder;
    Encryptor encryptor;
    Evaluator eval;
    Evaluator keyless;
    double[] x = {1, 2, 3};

    @BeforeAll
    void setUp() {
        ctx = TestContexts.context(TestContexts.small(10));
        encoder = new CkksEncoder(ctx);
        KeyGenerator kg = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), new byte[32]);
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk = kg.evaluationKeys(sk, Galois.rotationElement(1, 10));
        encryptor = Encryptor.withSecretKey(ctx, sk);
        eval = new Evaluator(ctx, evk);
        keyless = new Evaluator(ctx);
    }

    @AfterAll
    void tearDown() {
        if (ctx != null) {
            ctx.close();
        }
    }

    Ciphertext enc(int level, double scale) {
        return encryptor.encrypt(encoder.encode(x, level, scale));
    }

    static void messageMentions(RuntimeException e, String... words) {
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), () -> "message '" + e.getMessage() + "' should mention " + w);
        }
    }

    @Test
    void levelMismatchNamesBothLevelsAndTheFix() {
        LevelMismatchException e = assertThrows(LevelMismatchException.class,
                () -> eval.add(enc(4, 0x1p40), enc(3, 0x1p40)));
        messageMentions(e, "level 4", "level 3", "alignLevels");
        assertThrows(LevelMismatchException.class,
                () -> eval.multiplyPlain(enc(4, 0x1p40), encoder.encode(x, 2, 0x1p40)));
        assertThrows(LevelMismatchException.class, () -> eval.rescale(enc(0, 0x1p40)));
        assertThrows(LevelMismatchException.class, () -> eval.dropToLevel(enc(2, 0x1p40), 3));
        assertThrows(LevelMismatchException.class, () -> encoder.encode(x, 9, 0x1p40));
    }

    @Test
    void scaleMismatchIsRefused() {
        ScaleMismatchException e = assertThrows(ScaleMismatchException.class,
                () -> eval.add(enc(4, 0x1p40), enc(4, 0x1p41)));
        messageMentions(e, "2^40", "2^41", "rescale");
    }

    @Test
    void missingKeysAreNamed() {
        MissingKeyException rot = assertThrows(MissingKeyException.class, () -> eval.rotate(enc(4, 0x1p40), 2));
        messageMentions(rot, "rotation by 2", "evaluationKeys");
        assertThrows(MissingKeyException.class, () -> eval.conjugate(enc(4, 0x1p40)));
        assertThrows(MissingKeyException.class, () -> keyless.multiply(enc(4, 0x1p40), enc(4, 0x1p40)));
        eval.rotate(enc(4, 0x1p40), 1).close();
    }

    @Test
    void keysTruncatedToALevelServeOnlyUpToIt() {
        KeyGenerator kg = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), new byte[32]);
        SecretKey sk = kg.secretKey();
        int g = Galois.rotationElement(3, 10);
        EvaluationKeys low = kg.evaluationKeys(sk, 1, java.util.Map.of(g, 1));
        org.junit.jupiter.api.Assertions.assertEquals(2 + 2, low.galois().get(g).b()[0].length,
                "a level-1 key has 2 data limbs and the 2 special ones");
        Evaluator lowEval = new Evaluator(ctx, low);
        Encryptor e = Encryptor.withSecretKey(ctx, sk);
        Decryptor d = new Decryptor(ctx, sk);
        Ciphertext c = e.encrypt(encoder.encode(x, 1, 0x1p40));
        double[] rotated = encoder.decode(d.decrypt(lowEval.rotate(c, 3)));
        org.junit.jupiter.api.Assertions.assertEquals(0.0, rotated[0], 1e-3);
        org.junit.jupiter.api.Assertions.assertEquals(1.0, rotated[slotsBefore(3)], 1e-3);
        MissingKeyException e2 = assertThrows(MissingKeyException.class,
                () -> lowEval.rotate(e.encrypt(encoder.encode(x, 4, 0x1p40)), 3));
        messageMentions(e2, "levels up to 1", "level 4");
        assertThrows(MissingKeyException.class, () -> lowEval.multiply(enc(4, 0x1p40), enc(4, 0x1p40)));
        Ciphertext sq = lowEval.multiply(e.encrypt(encoder.encode(x, 1, 0x1p20)), e.encrypt(encoder.encode(x, 1,
                0x1p20)));
        org.junit.jupiter.api.Assertions.assertEquals(4.0, encoder.decode(d.decrypt(sq))[1], 1e-2);
    }

    /** The slot where a left rotation by {@code steps} moves the value of slot 0. */
    private int slotsBefore(int steps) {
        return ctx.parameters().slots() - steps;
    }

    @Test
    void unrelinearizedCiphertextCannotBeRotatedOrMultiplied() {
        Ciphertext three = eval.multiplyNoRelinearize(enc(4, 0x1p40), enc(4, 0x1p40));
        assertThrows(InvalidOperandException.class, () -> eval.rotate(three, 1));
        assertThrows(InvalidOperandException.class, () -> eval.multiply(three, enc(4, 0x1p80)));
    }

    @Test
    void objectsFromOtherParametersAreRefused() {
        CkksParameters other = CkksParameters.builder().logN(10).dataPrimeBits(50, 40, 40)
                .specialPrimeBits(60).scaleBits(40).allowInsecureForTestsOnly().build();
        assertFalse(java.util.Arrays.equals(other.fingerprint(), ctx.parameters().fingerprint()));
        try (CkksContext foreign = TestContexts.context(other)) {
            Ciphertext theirs = Encryptor.withSecretKey(foreign, KeyGenerator.secure(foreign.engine()).secretKey())
                    .encrypt(new CkksEncoder(foreign).encode(x, 2, 0x1p40));
            ParameterMismatchException e = assertThrows(ParameterMismatchException.class,
                    () -> eval.add(theirs, enc(2, 0x1p40)));
            messageMentions(e, "parameters");
        }
    }

    @Test
    void insecureParametersNeedTheExplicitOptIn() {
        InsecureParametersException e = assertThrows(InsecureParametersException.class,
                () -> CkksParameters.builder().logN(12).dataPrimeBits(60, 40, 40).specialPrimeBits(61).build());
        messageMentions(e, "128-bit", "allowInsecureForTestsOnly");
        assertThrows(InsecureParametersException.class,
                () -> CkksParameters.builder().logN(14).dataPrimeBits(60, 60, 60, 60, 60, 60, 60)
                        .specialPrimeBits(61).build());
        CkksParameters ok = CkksParameters.builder().logN(14).dataPrimeBits(60, 60, 60, 60, 60, 60)
                .specialPrimeBits(61).build();
        assertFalse(ok.isInsecure());
        assertTrue(TestContexts.small(10).isInsecure());
        assertThrows(InvalidParametersException.class,
                () -> CkksParameters.builder().logN(12).dataPrimeBits(60, 40).specialPrimeBits(30)
                        .allowInsecureForTestsOnly().build());
        assertThrows(InvalidParametersException.class,
                () -> CkksParameters.builder().logN(12).dataPrimeBits(62, 40).specialPrimeBits(61)
                        .allowInsecureForTestsOnly().build());
    }

    @Test
    void standardSetsAreSecureAtTheirBound() {
        for (int logN = 14; logN <= 16; logN++) {
            CkksParameters p = StandardParameters.forLogN(logN);
            assertFalse(p.isInsecure());
            assertTrue(p.logQP() <= SecurityStandard.maxLogQP(logN));
        }
        org.junit.jupiter.api.Assertions.assertEquals(438, StandardParameters.n14().logQP());
        org.junit.jupiter.api.Assertions.assertEquals(881, StandardParameters.n15().logQP());
    }

    @Test
    void unknownBackendIsATypedError() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.select("quantum"));
        messageMentions(e, "quantum", "reference");
    }
}
