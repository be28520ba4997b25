package org.hecnn.inference.packed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.hecnn.inference.HeOps;
import java.util.Random;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.Encryptor;
import org.hecnn.ckks.Evaluator;
import org.hecnn.ckks.TestContexts;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SecretKey;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sums of plaintext products are the same bits whichever way the bank keeps its plaintexts (NTT form, integer
 * coefficients, encoded on demand, inside or outside a reuse scope), for plaintexts whose coefficients fit 32 bits
 * (the engine's integer path) and for larger ones (the path through NTT-form plaintexts), with one image and with
 * several multiplied together.
 */
class PlaintextBankTest {
    /** 2^20 keeps unit-range slot values' coefficients within 32 bits; 2^40 takes them far beyond. */
    @ParameterizedTest(name = "plaintext scale 2^{0}")
    @ValueSource(ints = {20, 40})
    void everyModeGivesTheSameSums(int scaleBits) {
        CkksParameters params = CkksParameters.builder().logN(11).dataPrimeBits(60, 50, 50).specialPrimeBits(61)
                .dnum(1).scaleBits(30).allowInsecureForTestsOnly().build();
        try (CkksContext ctx = TestContexts.context(params)) {
            CkksEncoder encoder = new CkksEncoder(ctx);
            KeyGenerator kg = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), new byte[32]);
            SecretKey sk = kg.secretKey();
            HeOps ops = new HeOps(new Evaluator(ctx, kg.evaluationKeys(sk)));
            Encryptor enc = Encryptor.withPublicKey(ctx, kg.publicKey(sk));
            Random r = new Random(scaleBits);
            int level = params.maxLevel();
            double[][] slots = new double[5][params.slots()];
            for (double[] v : slots) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = 2 * r.nextDouble() - 1;
                }
            }
            Ciphertext[][] images = new Ciphertext[2][slots.length];
            for (Ciphertext[] image : images) {
                for (int j = 0; j < image.length; j++) {
                    double[] x = new double[params.slots()];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = 2 * r.nextDouble() - 1;
                    }
                    image[j] = enc.encrypt(encoder.encode(x, level, params.defaultScale()));
                }
            }
            int[] order = {3, 0, 4, 1, 2};
            long[][][] want = null;
            for (PlaintextBank.Mode mode : new PlaintextBank.Mode[] {PlaintextBank.Mode.NTT,
                    PlaintextBank.Mode.COEFFICIENTS, PlaintextBank.Mode.ON_DEMAND}) {
                for (boolean reuse : new boolean[] {false, true}) {
                    try (PlaintextBank bank = new PlaintextBank(encoder, level, Math.scalb(1.0, scaleBits), mode)) {
                        for (double[] v : slots) {
                            assertEquals(bank.size(), bank.add(v));
                        }
                        bank.reuse(reuse);
                        Ciphertext[] sums = bank.multiplySum(ops, order,
                                j -> new Ciphertext[] {images[0][j], images[1][j]});
                        Ciphertext single = bank.multiplySum(ops, order, j -> new Ciphertext[] {images[1][j]})[0];
                        long[][][] got = {parts(ctx, sums[0]), parts(ctx, sums[1])};
                        String what = mode + (reuse ? " in a reuse scope" : "");
                        assertArrayEquals(got[1], parts(ctx, single), what + ": one image alone");
                        if (want == null) {
                            want = got;
                        } else {
                            assertArrayEquals(want, got, what);
                        }
                    }
                }
            }
        }
    }

    private static long[][] parts(CkksContext ctx, Ciphertext c) {
        long[][] out = new long[c.size()][];
        for (int i = 0; i < c.size(); i++) {
            long[][] limbs = ctx.engine().download(c.part(i));
            out[i] = java.util.Arrays.stream(limbs).flatMapToLong(java.util.Arrays::stream).toArray();
        }
        return out;
    }
}
