package org.hecnn.ckks;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.SplittableRandom;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.EvaluationKeys;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SecretKey;
import org.junit.jupiter.api.Test;

/** One run at real 128-bit parameters (N = 2^15, log QP = 843 of the 881 allowed) with secure randomness. */
class SecureParametersTest {
    @Test
    void multiplyRescaleAndRotateAtN32768() {
        CkksParameters params = CkksParameters.builder().logN(15)
                .dataPrimeBits(60, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50)
                .specialPrimeBits(61, 61, 61).dnum(5).scaleBits(50).build();
        assertFalse(params.isInsecure());
        try (CkksContext ctx = TestContexts.context(params)) {
            CkksEncoder encoder = new CkksEncoder(ctx);
            KeyGenerator kg = KeyGenerator.secure(ctx.engine());
            SecretKey sk = kg.secretKey();
            EvaluationKeys evk = kg.evaluationKeys(sk, Galois.rotationElement(3, 15));
            Encryptor encryptor = Encryptor.withPublicKey(ctx, kg.publicKey(sk));
            Decryptor decryptor = new Decryptor(ctx, sk);
            Evaluator eval = new Evaluator(ctx, evk);
            NoiseBounds nb = new NoiseBounds(params);
            int slots = params.slots();
            SplittableRandom rnd = new SplittableRandom(3);
            double[] x = new double[slots];
            double[] y = new double[slots];
            double[] expected = new double[slots];
            for (int i = 0; i < slots; i++) {
                x[i] = rnd.nextDouble() * 2 - 1;
                y[i] = rnd.nextDouble() * 2 - 1;
            }
            for (int i = 0; i < slots; i++) {
                int j = (i + 3) % slots;
                expected[i] = x[j] * y[j];
            }
            double scale = params.defaultScale();
            int top = params.maxLevel();
            Ciphertext cx = encryptor.encrypt(encoder.encode(x, top, scale));
            Ciphertext cy = encryptor.encrypt(encoder.encode(y, top, scale));
            Ciphertext r = eval.rotate(eval.rescale(eval.multiply(cx, cy)), 3);
            double fresh = (nb.fresh() + nb.encoding()) / scale;
            double qLast = ctx.ring().q(top).value();
            double bound = 2 * fresh + fresh * fresh + nb.keySwitch() / (scale * scale)
                    + nb.rounding() * qLast / (scale * scale) + nb.keySwitch() / r.scale();
            Precision.check("N=2^15 128-bit: rot3(x*y)", expected, encoder.decode(decryptor.decrypt(r)), bound);
        }
    }
}
