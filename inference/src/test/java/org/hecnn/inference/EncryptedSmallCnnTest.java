package org.hecnn.inference;

import org.hecnn.inference.packed.HeActivation;
import org.hecnn.inference.packed.HeConvolution;
import org.hecnn.inference.packed.HeLinear;
import org.hecnn.inference.packed.HeSpatialSum;
import org.hecnn.inference.packed.PlaintextBank;
import org.hecnn.inference.packed.PlaintextBanks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashSet;
import java.util.Random;
import java.util.Set;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.Decryptor;
import org.hecnn.ckks.Encryptor;
import org.hecnn.ckks.Evaluator;
import org.hecnn.ckks.TestContexts;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SecretKey;
import org.junit.jupiter.api.Test;

/**
 * A small CNN (conv, activation, strided conv, activation, global sum pool, linear) evaluated under encryption
 * with the packed layout and tower-reuse scales, against a double-precision evaluation of the same layers.
 */
class EncryptedSmallCnnTest {
    static double[][][] act(double[][][] x, double c0, double c1) {
        double[][][] y = new double[x.length][x[0].length][x[0][0].length];
        for (int c = 0; c < x.length; c++) {
            for (int i = 0; i < x[0].length; i++) {
                for (int j = 0; j < x[0][0].length; j++) {
                    double v = x[c][i][j];
                    y[c][i][j] = v * v + c1 * v + c0;
                }
            }
        }
        return y;
    }

    static double maxAbs(double[][][] t) {
        double m = 0;
        for (double[][] a : t) {
            for (double[] b : a) {
                for (double v : b) {
                    m = Math.max(m, Math.abs(v));
                }
            }
        }
        return m;
    }

    static double maxAbs4(double[][][][] t) {
        double m = 0;
        for (double[][][] a : t) {
            m = Math.max(m, maxAbs(a));
        }
        return m;
    }

    static double maxAbs(double[][] t) {
        double m = 0;
        for (double[] b : t) {
            for (double v : b) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }

    @Test
    void smallCnnMatchesPlaintextEvaluation() {
        Random r = new Random(11);
        int logN = 11;
        CkksParameters params = CkksParameters.builder().logN(logN).dataPrimeBits(52, 59, 59)
                .specialPrimeBits(61, 61).dnum(3).scaleBits(25).allowInsecureForTestsOnly().build();
        double[][][] image = new double[2][8][8];
        for (double[][] ch : image) {
            for (double[] row : ch) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = r.nextDouble() * 2 - 1;
                }
            }
        }
        double[][][][] w1 = TestTensors.randomConv(r, 4, 2, 3, 0.25);
        double[] b1 = {0.1, -0.2, 0.05, 0.0};
        double[][][][] w2 = TestTensors.randomConv(r, 8, 4, 3, 0.1);
        double[] b2 = new double[8];
        double[][] fc = new double[3][8];
        for (double[] row : fc) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (r.nextDouble() * 2 - 1) / 16;
            }
        }
        double[] fcBias = {0.5, -0.5, 0.25};
        double c0 = 0.19;
        double c1 = 0.5;

        // Plaintext reference.
        double[][][] h1 = act(TestTensors.conv(image, w1, b1, 1, 1), c0, c1);
        double[][][] h2 = act(TestTensors.conv(h1, w2, b2, 2, 1), c0, c1);
        double[] expected = fcBias.clone();
        for (int k = 0; k < 3; k++) {
            for (int c = 0; c < 8; c++) {
                double sum = 0;
                for (double[] row : h2[c]) {
                    for (double v : row) {
                        sum += v;
                    }
                }
                expected[k] += fc[k][c] * sum;
            }
        }

        try (CkksContext ctx = TestContexts.context(params)) {
            CkksEncoder encoder = new CkksEncoder(ctx);
            int slots = params.slots();
            SlotGrid grid = SlotGrid.forImage(slots, 8, 8);
            FeatureMap m0 = new FeatureMap(grid, 2, 8, 8, 1);
            FeatureMap m1 = new FeatureMap(grid, 4, 8, 8, 1);
            FeatureMap m2 = new FeatureMap(grid, 8, 4, 4, 2);
            double s = params.defaultScale();
            double q2 = ctx.ring().q(2).value();
            double q1 = ctx.ring().q(1).value();
            double wScale1 = Math.sqrt(s * q2) / s;
            double wScale2 = Math.sqrt(s * q1) / s;
            HeConvolution conv1 = new HeConvolution(encoder, w1, b1, 1, 1, m0, m1, 2, wScale1, s,
                    PlaintextBanks.encoding(PlaintextBank.Mode.NTT));
            HeConvolution conv2 = new HeConvolution(encoder, w2, b2, 2, 1, m1, m2, 1, wScale2, s,
                    PlaintextBanks.encoding(PlaintextBank.Mode.COEFFICIENTS));
            HeActivation activation = new HeActivation(c0, c1, 1.0, false);
            HeSpatialSum pool = new HeSpatialSum(m2, 4, 4);
            double wScaleFc = 0x1p20;
            HeLinear linear = new HeLinear(encoder, fc, fcBias, pool.output(), 0, wScaleFc, s,
                    PlaintextBanks.encoding(PlaintextBank.Mode.NTT));

            Set<Integer> steps = new LinkedHashSet<>();
            for (int[] a : new int[][] {conv1.rotationSteps(), conv2.rotationSteps(), pool.rotationSteps(),
                linear.rotationSteps()}) {
                for (int st : a) {
                    steps.add(st);
                }
            }
            int[] elements = steps.stream().mapToInt(st -> Galois.rotationElement(st, logN)).toArray();
            KeyGenerator kg = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), new byte[32]);
            SecretKey sk = kg.secretKey();
            HeOps ops = new HeOps(new Evaluator(ctx, kg.evaluationKeys(sk, elements)));
            Encryptor enc = Encryptor.withPublicKey(ctx, kg.publicKey(sk));
            Ciphertext[] x = new Ciphertext[m0.ciphertexts()];
            double[][] packed = m0.pack(image);
            for (int i = 0; i < x.length; i++) {
                x[i] = enc.encrypt(encoder.encode(packed[i], 2, s));
            }
            Ciphertext[] y1 = conv1.apply(ops, x);
            for (int i = 0; i < y1.length; i++) {
                y1[i] = activation.apply(ops, y1[i], i);
            }
            assertEquals(1, y1[0].level());
            assertEquals(s, y1[0].scale(), s * 1e-9);
            Ciphertext[] y2 = conv2.apply(ops, y1);
            for (int i = 0; i < y2.length; i++) {
                y2[i] = pool.apply(ops, activation.apply(ops, y2[i], i));
            }
            Ciphertext logits = linear.apply(ops, y2);
            double[] decoded = encoder.decode(new Decryptor(ctx, sk).decrypt(logits));
            double maxErr = 0;
            for (int k = 0; k < 3; k++) {
                maxErr = Math.max(maxErr, Math.abs(decoded[k] - expected[k]));
            }
            System.out.printf("small CNN: logits %s vs %s, max error %.3e, ops %s%n",
                    java.util.Arrays.toString(java.util.Arrays.copyOf(decoded, 3)),
                    java.util.Arrays.toString(expected), maxErr, ops.counts());
            // Bound: each weight slot carries an independent coefficient-rounding error of standard deviation
            // sqrt(N/12)/W; a sum of n such terms grows like sqrt(n). Propagate standard deviations through the
            // layers (activation slope |2x + c1|, pool of 16, linear of 8) and allow 6 of them.
            double sigma = Math.sqrt(params.n() / 12.0);
            double e1 = sigma / wScale1 * Math.sqrt(9 * 2) * maxAbs(image);
            double e1act = e1 * (2 * maxAbs(TestTensors.conv(image, w1, b1, 1, 1)) + c1);
            double e2 = e1act * Math.sqrt(9 * 4) * maxAbs4(w2) + sigma / wScale2 * Math.sqrt(9 * 4) * maxAbs(h1);
            double e2act = e2 * (2 * maxAbs(TestTensors.conv(h1, w2, b2, 2, 1)) + c1);
            double pooledMax = 16 * maxAbs(h2);
            double bound = 6 * (e2act * Math.sqrt(16 * 8) * maxAbs(fc) + sigma / wScaleFc * Math.sqrt(8) * pooledMax);
            System.out.printf("small CNN: error %.3e, derived bound %.3e%n", maxErr, bound);
            assertTrue(maxErr <= bound, "encrypted logits differ from plaintext by " + maxErr + " > " + bound);
            assertEquals(ops.counts().rotations() + ops.counts().hoistedRotations(),
                    conv1.rotationCount() + conv2.rotationCount() + pool.rotationCount() * y2.length
                            + linear.rotationCount(), "static rotation counts must match the run");
        }
    }
}
