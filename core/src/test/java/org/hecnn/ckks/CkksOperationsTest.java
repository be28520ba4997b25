package org.hecnn.ckks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.hecnn.backend.SparseIntegerMatrix;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.EvaluationKeys;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.PublicKey;
import org.hecnn.rlwe.SecretKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Precision of every CKKS operation and of short circuits against a double-precision reference, with bounds
 * from {@link NoiseBounds} (derived from N, σ and the moduli), on the backend under test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CkksOperationsTest {
    static final int[] STEPS = {1, 2, 5, -1, -7, 100};

    CkksParameters params;
    CkksContext ctx;
    CkksEncoder encoder;
    Encryptor encryptor;
    Encryptor publicEncryptor;
    Decryptor decryptor;
    Evaluator eval;
    NoiseBounds nb;
    double scale;
    int slots;
    int top;
    SplittableRandom rnd = new SplittableRandom(42);

    @BeforeAll
    void setUp() {
        params = TestContexts.small(11);
        ctx = TestContexts.context(params);
        encoder = new CkksEncoder(ctx);
        KeyGenerator kg = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), new byte[32]);
        SecretKey sk = kg.secretKey();
        PublicKey pk = kg.publicKey(sk);
        int[] elements = new int[STEPS.length + 1];
        for (int i = 0; i < STEPS.length; i++) {
            elements[i] = Galois.rotationElement(STEPS[i], params.logN());
        }
        elements[STEPS.length] = Galois.conjugationElement(params.logN());
        EvaluationKeys evk = kg.evaluationKeys(sk, elements);
        encryptor = Encryptor.withSecretKey(ctx, sk);
        publicEncryptor = Encryptor.withPublicKey(ctx, pk);
        decryptor = new Decryptor(ctx, sk);
        eval = new Evaluator(ctx, evk);
        nb = new NoiseBounds(params);
        scale = params.defaultScale();
        slots = params.slots();
        top = params.maxLevel();
    }

    @AfterAll
    void tearDown() {
        if (ctx != null) {
            ctx.close();
        }
    }

    double[] randomVector(double magnitude) {
        double[] v = new double[slots];
        for (int i = 0; i < slots; i++) {
            v[i] = (rnd.nextDouble() * 2 - 1) * magnitude;
        }
        return v;
    }

    Ciphertext enc(double[] v) {
        return encryptor.encrypt(encoder.encode(v, top, scale));
    }

    double[] dec(Ciphertext c) {
        return encoder.decode(decryptor.decrypt(c));
    }

    /** Slot error bound of a fresh ciphertext. */
    double fresh() {
        return (nb.fresh() + nb.encoding()) / scale;
    }

    @Test
    void encodeDecodeRoundTrip() {
        double[] x = randomVector(1);
        double[] y = encoder.decode(encoder.encode(x, top, scale));
        Precision.check("encode/decode", x, y, nb.encoding() / scale);
    }

    @Test
    void complexEncodingAndConjugation() {
        double[] re = randomVector(1);
        double[] im = randomVector(1);
        Ciphertext c = encryptor.encrypt(encoder.encode(re, im, top, scale));
        double[][] back = encoder.decodeComplex(decryptor.decrypt(c));
        Precision.check("complex encrypt/decrypt (imag)", im, back[1], fresh());
        double[][] conj = encoder.decodeComplex(decryptor.decrypt(eval.conjugate(c)));
        double[] negIm = new double[slots];
        for (int i = 0; i < slots; i++) {
            negIm[i] = -im[i];
        }
        double bound = fresh() + nb.keySwitch() / scale;
        Precision.check("conjugate (real)", re, conj[0], bound);
        Precision.check("conjugate (imag)", negIm, conj[1], bound);
    }

    @Test
    void publicAndSecretKeyEncryption() {
        double[] x = randomVector(4);
        Precision.check("secret-key encrypt", x, dec(enc(x)), fresh());
        Precision.check("public-key encrypt", x,
                dec(publicEncryptor.encrypt(encoder.encode(x, top, scale))), fresh());
    }

    @Test
    void additionSubtractionNegation() {
        double[] x = randomVector(1);
        double[] y = randomVector(1);
        Ciphertext cx = enc(x);
        Ciphertext cy = enc(y);
        double[] sum = new double[slots];
        double[] diff = new double[slots];
        double[] neg = new double[slots];
        double[] plusConst = new double[slots];
        for (int i = 0; i < slots; i++) {
            sum[i] = x[i] + y[i];
            diff[i] = x[i] - y[i];
            neg[i] = -x[i];
            plusConst[i] = x[i] + 0.375;
        }
        Precision.check("add ct+ct", sum, dec(eval.add(cx, cy)), 2 * fresh());
        Precision.check("subtract ct-ct", diff, dec(eval.subtract(cx, cy)), 2 * fresh());
        Precision.check("negate", neg, dec(eval.negate(cx)), fresh());
        Precision.check("add ct+pt", sum, dec(eval.addPlain(cx, encoder.encode(y, top, scale))),
                fresh() + nb.encoding() / scale);
        Precision.check("subtract ct-pt", diff, dec(eval.subtractPlain(cx, encoder.encode(y, top, scale))),
                fresh() + nb.encoding() / scale);
        Precision.check("add constant", plusConst, dec(eval.addConstant(cx, 0.375)), fresh() + 1 / scale);
        Ciphertext acc = enc(x);
        eval.addInPlace(acc, cy);
        Precision.check("add in place", sum, dec(acc), 2 * fresh());
    }

    /** Error bound of a product of two fresh ciphertexts with values bounded by mx and my, rescaled. */
    double productBound(double mx, double my, double qLast) {
        double e = fresh();
        double beforeRescale = mx * e + my * e + e * e + nb.keySwitch() / (scale * scale);
        return beforeRescale + nb.rounding() * qLast / (scale * scale);
    }

    @Test
    void multiplyRelinearizeRescaleAndSquare() {
        double[] x = randomVector(1);
        double[] y = randomVector(1);
        double[] xy = new double[slots];
        double[] xx = new double[slots];
        for (int i = 0; i < slots; i++) {
            xy[i] = x[i] * y[i];
            xx[i] = x[i] * x[i];
        }
        double qLast = ctx.ring().q(top).value();
        Ciphertext prod = eval.rescale(eval.multiply(enc(x), enc(y)));
        assertEquals(top - 1, prod.level());
        assertEquals(scale * scale / qLast, prod.scale(), 1e-6 * prod.scale());
        Precision.check("multiply+relinearize+rescale", xy, dec(prod), productBound(1, 1, qLast));
        Precision.check("square+rescale", xx, dec(eval.rescale(eval.square(enc(x)))), productBound(1, 1, qLast));
        Ciphertext three = eval.multiplyNoRelinearize(enc(x), enc(y));
        assertEquals(3, three.size());
        Precision.check("multiply without relinearization", xy, dec(eval.rescale(three)), productBound(1, 1, qLast));
    }

    @Test
    void plaintextConstantAndIntegerMultiplication() {
        double[] x = randomVector(1);
        double[] y = randomVector(1);
        double[] xy = new double[slots];
        double[] xc = new double[slots];
        double[] x3 = new double[slots];
        for (int i = 0; i < slots; i++) {
            xy[i] = x[i] * y[i];
            xc[i] = x[i] * -1.25;
            x3[i] = x[i] * 3;
        }
        double qLast = ctx.ring().q(top).value();
        double e = fresh();
        double plainBound = e + nb.encoding() / scale + nb.rounding() * qLast / (scale * scale);
        Precision.check("multiply plaintext+rescale", xy,
                dec(eval.rescale(eval.multiplyPlain(enc(x), encoder.encode(y, top, scale)))), plainBound);
        double constBound = 1.25 * e + 1 / qLast + nb.rounding() / scale;
        Precision.check("multiply constant+rescale", xc, dec(eval.rescale(eval.multiplyConstant(enc(x), -1.25))),
                constBound);
        Precision.check("multiply integer", x3, dec(eval.multiplyInteger(enc(x), 3)), 3 * e);
        // rows: (−y + 2·(x + y) + 3·x)/4 = (5x + y)/4 ; −x/4 ; empty row → 0
        SparseIntegerMatrix m = new SparseIntegerMatrix(2, new int[] {0, 3, 4, 4}, new long[] {1, 2, 3, 1},
                new int[] {0, 1, 3, 4, 5}, new int[] {1, 0, 1, 0, 0}, new boolean[] {true, false, false, false, true});
        Ciphertext[] mapped = eval.linearMap(new Ciphertext[] {enc(x), enc(y)}, m, 4);
        double[] row0 = new double[slots];
        double[] row1 = new double[slots];
        for (int i = 0; i < slots; i++) {
            row0[i] = (5 * x[i] + y[i]) / 4;
            row1[i] = -x[i] / 4;
        }
        Precision.check("linear map row 0", row0, dec(mapped[0]), 2 * e);
        Precision.check("linear map row 1", row1, dec(mapped[1]), e / 4);
        Precision.check("linear map empty row", new double[slots], dec(mapped[2]), 1e-12);
        Ciphertext cx = enc(x);
        Plaintext py = encoder.encode(y, top, scale);
        Ciphertext acc = eval.multiplyPlain(cx, py);
        eval.multiplyPlainAccumulate(acc, cx, py);
        double[] twice = new double[slots];
        for (int i = 0; i < slots; i++) {
            twice[i] = 2 * xy[i];
        }
        Precision.check("multiply-accumulate+rescale", twice, dec(eval.rescale(acc)), 2 * plainBound);
    }

    /** A plaintext kept as integers multiplies exactly as its NTT form does, and only at its own level. */
    @Test
    void integerPlaintextsMultiplyBitForBitLikeTheirNttForm() {
        double plainScale = Math.pow(2, 20);
        double[] coefficients = encoder.coefficients(randomVector(1), new double[0], plainScale);
        int[] integers = new int[coefficients.length];
        for (int k = 0; k < integers.length; k++) {
            integers[k] = Math.toIntExact((long) coefficients[k]);
        }
        IntegerPlaintext compact = IntegerPlaintext.of(integers, top, plainScale);
        Plaintext ntt = encoder.encodeIntegers(integers, top, plainScale);
        Ciphertext cx = enc(randomVector(1));
        Ciphertext viaNtt = eval.multiplyPlain(cx, ntt);
        Ciphertext viaIntegers = eval.multiplyPlain(cx, compact);
        assertSameCiphertext(viaNtt, viaIntegers, "product");
        eval.multiplyPlainAccumulate(viaNtt, cx, ntt);
        eval.multiplyPlainAccumulate(viaIntegers, cx, compact);
        assertSameCiphertext(viaNtt, viaIntegers, "accumulated product");
        Ciphertext lower = eval.rescale(enc(randomVector(1)));
        assertThrows(LevelMismatchException.class, () -> eval.multiplyPlain(lower, compact));
    }

    private void assertSameCiphertext(Ciphertext a, Ciphertext b, String what) {
        assertEquals(a.scale(), b.scale(), what + ": scale");
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(ctx.engine().download(a.part(i)), ctx.engine().download(b.part(i)), what + ": part " + i);
        }
    }

    @Test
    void rotationsAndHoistedRotations() {
        double[] x = randomVector(1);
        Ciphertext cx = enc(x);
        Ciphertext[] hoisted = eval.rotateHoisted(cx, STEPS);
        double bound = fresh() + nb.keySwitch() / scale;
        for (int s = 0; s < STEPS.length; s++) {
            double[] expected = new double[slots];
            for (int i = 0; i < slots; i++) {
                expected[i] = x[Math.floorMod(i + STEPS[s], slots)];
            }
            Ciphertext single = eval.rotate(cx, STEPS[s]);
            Precision.check("rotate by " + STEPS[s], expected, dec(single), bound);
            for (int part = 0; part < 2; part++) {
                assertArrayEquals(ctx.engine().download(single.part(part)),
                        ctx.engine().download(hoisted[s].part(part)), "hoisted rotation must equal plain rotation");
            }
        }
    }

    @Test
    void circuitXTimesYTimesZWithRotationAndLevelAlignment() {
        double[] x = randomVector(1);
        double[] y = randomVector(1);
        double[] z = randomVector(1);
        double[] expected = new double[slots];
        for (int i = 0; i < slots; i++) {
            int j = Math.floorMod(i + 5, slots);
            expected[i] = x[j] * y[j] * z[j] + x[i];
        }
        Ciphertext xy = eval.rescale(eval.multiply(enc(x), enc(y)));
        Ciphertext[] aligned = eval.alignLevels(xy, enc(z));
        assertEquals(aligned[0].level(), aligned[1].level());
        Ciphertext zAtScale = eval.rescale(eval.multiplyConstant(aligned[1], 1.0, xy.scale()));
        Ciphertext xyz = eval.rescale(eval.multiply(aligned[0], eval.dropToLevel(enc(z), aligned[0].level())));
        Ciphertext rotated = eval.rotate(xyz, 5);
        Ciphertext lowX = eval.multiplyConstant(eval.dropToLevel(enc(x), rotated.level()), 1.0,
                rotated.scale() / scale);
        Ciphertext result = eval.add(rotated, lowX);
        // Each stage at most doubles the relative error plus its own fresh/rescale/key-switch terms.
        double q1 = ctx.ring().q(top).value();
        double stage1 = productBound(1, 1, q1);
        double stage2 = stage1 + fresh() + stage1 * fresh() + nb.keySwitch() / (xy.scale() * scale)
                + nb.rounding() * ctx.ring().q(top - 1).value() / (xy.scale() * scale);
        double bound = stage2 + nb.keySwitch() / rotated.scale() + fresh() + 1 / rotated.scale();
        Precision.check("circuit rot5(x*y*z) + x", expected, dec(result), bound);
        assertEquals(top - 2, result.level());
        zAtScale.close();
    }
}
