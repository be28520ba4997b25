package org.hecnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.Decryptor;
import org.hecnn.ckks.Encryptor;
import org.hecnn.ckks.Evaluator;
import org.hecnn.ckks.InsecureParametersException;
import org.hecnn.ckks.Plaintext;
import org.hecnn.ckks.TestContexts;
import org.hecnn.rlwe.EvaluationKeys;
import org.hecnn.rlwe.PublicKey;
import org.hecnn.rlwe.SecretKey;
import org.hecnn.rlwe.SwitchingKey;
import org.junit.jupiter.api.Test;

/** Every object survives write → read unchanged and still works (decrypts, rotates, encrypts). */
class RoundTripTest {
    final IoFixtures f = IoFixtures.get();

    static void assertClose(double[] expected, double[] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, "slot " + i);
        }
    }

    static void assertSameLimbs(CkksContext ctx, Ciphertext a, Ciphertext b) {
        assertEquals(a.size(), b.size());
        assertEquals(a.level(), b.level());
        assertEquals(a.scale(), b.scale());
        for (int i = 0; i < a.size(); i++) {
            assertTrue(Arrays.deepEquals(ctx.engine().download(a.part(i)), ctx.engine().download(b.part(i))),
                    "part " + i);
        }
    }

    @Test
    void parametersRoundTripAndInsecureNeedsOptIn() {
        byte[] bytes = ParametersCodec.write(f.params);
        CkksParameters back = ParametersCodec.read(bytes, true);
        assertEquals(f.params, back);
        assertArrayEquals(f.params.fingerprint(), back.fingerprint());
        assertEquals(f.params.dnum(), back.dnum());
        assertTrue(back.isInsecure());
        InsecureParametersException e = assertThrows(InsecureParametersException.class,
                () -> ParametersCodec.read(bytes));
        assertTrue(e.getMessage().contains("128-bit"), e.getMessage());
    }

    @Test
    void secureParametersRoundTripWithoutOptIn() throws IOException {
        CkksParameters secure = CkksParameters.builder().logN(14).dataPrimeBits(50, 40, 40, 40, 40, 40, 40, 40)
                .specialPrimeBits(54, 54).scaleBits(40).build();
        byte[] bytes = ParametersCodec.write(secure);
        CkksParameters back = ParametersCodec.read(bytes);
        assertEquals(secure, back);
        assertEquals(secure.toString(), back.toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ParametersCodec.write(secure, out);
        assertEquals(secure, ParametersCodec.read(new ByteArrayInputStream(out.toByteArray()), false));
        assertEquals(HecnnFormat.ObjectType.PARAMETERS, HecnnFormat.peekType(bytes));
    }

    @Test
    void plaintextRoundTrip() {
        double[] v = f.vector(1);
        Plaintext pt = f.encoder.encode(v, 2, f.params.defaultScale());
        byte[] bytes = PlaintextCodec.write(pt);
        Plaintext back = PlaintextCodec.read(f.ctx, bytes);
        assertEquals(pt.level(), back.level());
        assertEquals(pt.scale(), back.scale());
        assertTrue(Arrays.deepEquals(f.ctx.engine().download(pt.poly()), f.ctx.engine().download(back.poly())));
        assertClose(v, f.encoder.decode(back), 1e-6);
        assertArrayEquals(bytes, PlaintextCodec.write(back));
    }

    @Test
    void freshCiphertextIsSeedCompressedAndDecrypts() {
        double[] v = f.vector(2);
        Ciphertext ct = f.encrypt(v, f.params.maxLevel());
        assertNotNull(ct.c1Seed());
        byte[] bytes = CiphertextCodec.write(ct);
        Ciphertext back = CiphertextCodec.read(f.ctx, bytes);
        assertSameLimbs(f.ctx, ct, back);
        assertClose(v, f.decrypt(back), 1e-6);
        // the seed survives, so writing it again gives the same compressed bytes
        assertNotNull(back.c1Seed());
        assertArrayEquals(bytes, CiphertextCodec.write(back));

        Evaluator eval = new Evaluator(f.ctx, f.evk);
        Ciphertext processed = eval.negate(ct);
        assertNull(processed.c1Seed());
        byte[] full = CiphertextCodec.write(processed);
        double ratio = (double) bytes.length / full.length;
        assertTrue(ratio > 0.49 && ratio < 0.52, "compressed/uncompressed = " + ratio);
        Ciphertext processedBack = CiphertextCodec.read(f.ctx, full);
        assertSameLimbs(f.ctx, processed, processedBack);
        assertClose(Arrays.stream(v).map(x -> -x).toArray(), f.decrypt(processedBack), 1e-6);
    }

    @Test
    void threePartRescaledAndLowLevelCiphertexts() {
        Evaluator eval = new Evaluator(f.ctx, f.evk);
        double[] x = f.vector(3);
        double[] y = f.vector(4);
        Ciphertext product = eval.multiplyNoRelinearize(f.encrypt(x, f.params.maxLevel()),
                f.encrypt(y, f.params.maxLevel()));
        assertEquals(3, product.size());
        Ciphertext back = CiphertextCodec.read(f.ctx, CiphertextCodec.write(product));
        assertSameLimbs(f.ctx, product, back);
        double[] xy = new double[x.length];
        for (int i = 0; i < xy.length; i++) {
            xy[i] = x[i] * y[i];
        }
        assertClose(xy, f.decrypt(eval.rescale(eval.relinearize(back))), 1e-4);

        Ciphertext low = f.encrypt(x, 0);
        Ciphertext lowBack = CiphertextCodec.read(f.ctx, CiphertextCodec.write(low));
        assertSameLimbs(f.ctx, low, lowBack);
        assertClose(x, f.decrypt(lowBack), 1e-4);
    }

    @Test
    void staleSeedAfterInPlaceAdditionIsNotTrusted() {
        Evaluator eval = new Evaluator(f.ctx, f.evk);
        double[] x = f.vector(5);
        double[] y = f.vector(6);
        Ciphertext acc = f.encrypt(x, f.params.maxLevel());
        eval.addInPlace(acc, f.encrypt(y, f.params.maxLevel()));
        Ciphertext back = CiphertextCodec.read(f.ctx, CiphertextCodec.write(acc));
        assertSameLimbs(f.ctx, acc, back);
        assertNull(back.c1Seed());
        double[] sum = new double[x.length];
        for (int i = 0; i < sum.length; i++) {
            sum[i] = x[i] + y[i];
        }
        assertClose(sum, f.decrypt(back), 1e-5);
    }

    @Test
    void publicKeyRoundTripEncrypts() throws IOException {
        byte[] bytes = KeyCodec.writePublicKey(f.params, f.pk);
        PublicKey back = KeyCodec.readPublicKey(f.ctx, bytes);
        assertTrue(Arrays.deepEquals(f.pk.b(), back.b()));
        assertArrayEquals(f.pk.seed(), back.seed());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        KeyCodec.writePublicKey(f.params, f.pk, out);
        assertArrayEquals(bytes, out.toByteArray());
        assertTrue(Arrays.deepEquals(f.pk.b(), KeyCodec.readPublicKey(f.params,
                new ByteArrayInputStream(bytes)).b()));
        double[] v = f.vector(7);
        Ciphertext ct = Encryptor.withPublicKey(f.ctx, back).encrypt(f.encoder.encode(v, f.params.maxLevel(),
                f.params.defaultScale()));
        assertClose(v, f.decrypt(ct), 1e-4);
    }

    @Test
    void evaluationKeysRoundTripRotate() throws IOException {
        byte[] bytes = KeyCodec.writeEvaluationKeys(f.params, f.evk);
        EvaluationKeys back = KeyCodec.readEvaluationKeys(f.ctx, bytes);
        assertEquals(f.evk.galois().keySet(), back.galois().keySet());
        assertTrue(Arrays.deepEquals(f.evk.relinearization().b(), back.relinearization().b()));
        for (Map.Entry<Integer, SwitchingKey> e : f.evk.galois().entrySet()) {
            assertTrue(Arrays.deepEquals(e.getValue().b(), back.galois().get(e.getKey()).b()));
            assertArrayEquals(e.getValue().seed(), back.galois().get(e.getKey()).seed());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        KeyCodec.writeEvaluationKeys(f.params, f.evk, out);
        assertArrayEquals(bytes, out.toByteArray());
        EvaluationKeys streamed = KeyCodec.readEvaluationKeys(f.params, new ByteArrayInputStream(bytes),
                bytes.length);
        assertEquals(f.evk.galois().keySet(), streamed.galois().keySet());

        Evaluator eval = new Evaluator(f.ctx, back);
        double[] v = f.vector(8);
        Ciphertext ct = f.encrypt(v, f.params.maxLevel());
        for (int steps : IoFixtures.STEPS) {
            double[] rotated = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                rotated[i] = v[(i + steps) % v.length];
            }
            assertClose(rotated, f.decrypt(eval.rotate(ct, steps)), 1e-4);
        }
        Ciphertext sq = eval.multiply(ct, ct);
        assertEquals(2, sq.size());
        assertClose(Arrays.stream(v).map(x -> x * x).toArray(), f.decrypt(eval.rescale(sq)), 1e-4);

        EvaluationKeys noRelin = new EvaluationKeys(null, Map.of());
        EvaluationKeys empty = KeyCodec.readEvaluationKeys(f.params, KeyCodec.writeEvaluationKeys(f.params, noRelin));
        assertNull(empty.relinearization());
        assertTrue(empty.galois().isEmpty());
    }

    @Test
    void secretKeyOnlyThroughItsOwnPath() throws IOException {
        byte[] bytes = SecretKeyCodec.writeSecretKeyUnprotected(f.params, f.sk);
        SecretKey back = SecretKeyCodec.readSecretKey(f.ctx, bytes);
        assertArrayEquals(f.sk.coefficients(), back.coefficients());
        assertEquals(HecnnFormat.BINDING_BYTES + 4 + f.params.n() / 4 + 20, bytes.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SecretKeyCodec.writeSecretKeyUnprotected(f.params, f.sk, out);
        assertArrayEquals(f.sk.coefficients(),
                SecretKeyCodec.readSecretKey(f.params, new ByteArrayInputStream(out.toByteArray())).coefficients());
        double[] v = f.vector(9);
        Ciphertext ct = f.encrypt(v, 1);
        assertClose(v, f.encoder.decode(new Decryptor(f.ctx, back).decrypt(ct)), 1e-4);
        // no other reader accepts it
        MalformedDataException e = assertThrows(MalformedDataException.class,
                () -> CiphertextCodec.read(f.ctx, bytes));
        assertEquals("wrong object type: expected CIPHERTEXT, found SECRET_KEY", e.getMessage());
    }

    @Test
    void severalObjectsOnOneStream() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        double[] v = f.vector(10);
        ParametersCodec.write(f.params, out);
        KeyCodec.writePublicKey(f.params, f.pk, out);
        CiphertextCodec.write(f.encrypt(v, 3), out);
        PlaintextCodec.write(f.encoder.encode(v, 1, f.params.defaultScale()), out);
        KeyCodec.writeEvaluationKeys(f.params, f.evk, out);
        CiphertextCodec.write(f.encrypt(v, 0), out);
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        CkksParameters p = ParametersCodec.read(in, true);
        assertEquals(f.params, p);
        KeyCodec.readPublicKey(p, in);
        assertClose(v, f.decrypt(CiphertextCodec.read(f.ctx, in)), 1e-5);
        assertClose(v, f.encoder.decode(PlaintextCodec.read(f.ctx, in)), 1e-5);
        KeyCodec.readEvaluationKeys(p, in, Long.MAX_VALUE);
        assertClose(v, f.decrypt(CiphertextCodec.read(f.ctx, in)), 1e-4);
        assertEquals(0, in.available());
    }

    @Test
    void aContextWithEqualParametersReadsTheObject() {
        try (CkksContext other = TestContexts.context(ParametersCodec.read(ParametersCodec.write(f.params), true))) {
            double[] v = f.vector(11);
            Ciphertext ct = CiphertextCodec.read(other, CiphertextCodec.write(f.encrypt(v, 2)));
            assertClose(v, new org.hecnn.ckks.CkksEncoder(other).decode(new Decryptor(other, f.sk).decrypt(ct)),
                    1e-5);
        }
    }
}
