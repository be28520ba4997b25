package org.hecnn.inference.cluster;

import org.hecnn.inference.packed.ClusteredPerChannelConvolution;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
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
import org.hecnn.cnn.cluster.WeightKMeans;
import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.packed.HeConvolution;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.Layout;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.packed.PlaintextBank;
import org.hecnn.inference.packed.PlaintextBanks;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SecretKey;
import org.hecnn.inference.TestTensors;
import org.junit.jupiter.api.Test;

/**
 * The clustered per-channel convolution against {@link HeConvolution} in the per-channel layout on the same
 * clustered weights, under encryption with small insecure parameters, and its operation counts.
 */
class ClusteredPerChannelConvolutionTest {
    static final int LOG_N = 11;
    static final CkksParameters PARAMS = CkksParameters.builder().logN(LOG_N).dataPrimeBits(52, 59, 59)
            .specialPrimeBits(61, 61).dnum(3).scaleBits(25).allowInsecureForTestsOnly().build();

    /** The weights replaced by their k-means centroid (per layer). */
    static double[][][][] cluster(double[][][][] w, int k) {
        int co = w.length;
        int ci = w[0].length;
        int kk = w[0][0].length;
        int n = co * ci * kk * kk;
        double[][] points = new double[n][1];
        for (int i = 0; i < n; i++) {
            points[i][0] = w[i / (ci * kk * kk)][i / (kk * kk) % ci][i / kk % kk][i % kk];
        }
        WeightKMeans.Result res = WeightKMeans.cluster(points, k, 1, 100);
        double[][][][] out = new double[co][ci][kk][kk];
        for (int i = 0; i < n; i++) {
            out[i / (ci * kk * kk)][i / (kk * kk) % ci][i / kk % kk][i % kk] = res.centroidOf(i)[0];
        }
        return out;
    }

    /** Σ over output channels and taps of the distinct non-zero values of w[o][*][t]: the expected multiplications. */
    static long expectedMultiplications(double[][][][] w) {
        long total = 0;
        for (double[][][] wo : w) {
            for (int ky = 0; ky < wo[0].length; ky++) {
                for (int kx = 0; kx < wo[0][0].length; kx++) {
                    Set<Double> s = new HashSet<>();
                    for (double[][] wc : wo) {
                        if (wc[ky][kx] != 0) {
                            s.add(wc[ky][kx]);
                        }
                    }
                    total += s.size();
                }
            }
        }
        return total;
    }

    static double maxAbsDiff(double[][][] a, double[][][] b) {
        double m = 0;
        for (int c = 0; c < a.length; c++) {
            for (int i = 0; i < a[0].length; i++) {
                for (int j = 0; j < a[0][0].length; j++) {
                    m = Math.max(m, Math.abs(a[c][i][j] - b[c][i][j]));
                }
            }
        }
        return m;
    }

    @Test
    void matchesHeConvolutionUnderEncryptionWithFewerMultiplications() {
        Random r = new Random(3);
        int ci = 8;
        int co = 4;
        int k = 4;
        double[][][] image = TestTensors.randomImage(r, ci, 8, 8);
        double[][][][] w1 = cluster(TestTensors.randomConv(r, co, ci, 3, 0.25), k);
        double[] b1 = {0.1, -0.2, 0.05, 0.0};
        double[][][][] w2 = cluster(TestTensors.randomConv(r, co, ci, 3, 0.25), k);
        try (CkksContext ctx = TestContexts.context(PARAMS)) {
            CkksEncoder encoder = new CkksEncoder(ctx);
            int slots = PARAMS.slots();
            var grid = Layout.PER_CHANNEL.grid(slots, 8, 8);
            FeatureMap m0 = new FeatureMap(grid, ci, 8, 8, 1);
            FeatureMap m1 = new FeatureMap(grid, co, 8, 8, 1);
            FeatureMap m2 = new FeatureMap(grid, co, 4, 4, 2);
            double s = PARAMS.defaultScale();
            double ptScale = Math.sqrt(s * ctx.ring().q(2).value()) / s;
            // stride 1, pad 1 with bias (NTT plaintexts); stride 2, pad 1 without (coefficient plaintexts)
            ClusteredPerChannelConvolution c1 = new ClusteredPerChannelConvolution(encoder, w1, b1, 1, 1, 1, m0, m1, 2,
                    ptScale, s, PlaintextBanks.encoding(PlaintextBank.Mode.NTT));
            HeConvolution h1 = new HeConvolution(encoder, w1, b1, 1, 1, m0, m1, 2, ptScale, s,
                    PlaintextBanks.encoding(PlaintextBank.Mode.NTT));
            ClusteredPerChannelConvolution c2 = new ClusteredPerChannelConvolution(encoder, w2, null, 2, 1, 1, m0, m2,
                    2, ptScale, s, PlaintextBanks.encoding(PlaintextBank.Mode.COEFFICIENTS));
            HeConvolution h2 = new HeConvolution(encoder, w2, null, 2, 1, m0, m2, 2, ptScale, s,
                    PlaintextBanks.encoding(PlaintextBank.Mode.COEFFICIENTS));

            Set<Integer> steps = new LinkedHashSet<>();
            for (int[] a : new int[][] {c1.rotationSteps(), h1.rotationSteps(), c2.rotationSteps(),
                h2.rotationSteps()}) {
                for (int st : a) {
                    steps.add(st);
                }
            }
            int[] elements = steps.stream().mapToInt(st -> Galois.rotationElement(st, LOG_N)).toArray();
            KeyGenerator kg = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), new byte[32]);
            SecretKey sk = kg.secretKey();
            Evaluator ev = new Evaluator(ctx, kg.evaluationKeys(sk, elements));
            Encryptor enc = Encryptor.withPublicKey(ctx, kg.publicKey(sk));
            Decryptor dec = new Decryptor(ctx, sk);
            Ciphertext[] x = new Ciphertext[m0.ciphertexts()];
            double[][] packed = m0.pack(image);
            for (int i = 0; i < x.length; i++) {
                x[i] = enc.encrypt(encoder.encode(packed[i], 2, s));
            }
            Object[][] cases = {{c1, h1, m1, TestTensors.conv(image, w1, b1, 1, 1)}, {c2, h2, m2, TestTensors.conv(image, w2, null, 2, 1)}};
            for (Object[] cs : cases) {
                ClusteredPerChannelConvolution c = (ClusteredPerChannelConvolution) cs[0];
                HeConvolution h = (HeConvolution) cs[1];
                FeatureMap om = (FeatureMap) cs[2];
                double[][][] expected = (double[][][]) cs[3];
                HeOps opsC = new HeOps(ev);
                HeOps opsH = new HeOps(ev);
                Ciphertext[] yc = c.apply(opsC, x);
                Ciphertext[] yh = h.apply(opsH, x);
                assertEquals(yh[0].level(), yc[0].level());
                assertEquals(yh[0].scale(), yc[0].scale(), yh[0].scale() * 1e-12);
                double[][] dc = new double[yc.length][];
                double[][] dh = new double[yh.length][];
                for (int i = 0; i < yc.length; i++) {
                    dc[i] = encoder.decode(dec.decrypt(yc[i]));
                    dh[i] = encoder.decode(dec.decrypt(yh[i]));
                }
                double errC = maxAbsDiff(om.unpack(dc), expected);
                double errH = maxAbsDiff(om.unpack(dh), expected);
                double between = maxAbsDiff(om.unpack(dc), om.unpack(dh));
                // every non-output slot stays zero (masks), so later rotations cannot pull in garbage
                double outside = 0;
                Set<Integer> valid = new HashSet<>();
                for (int hh = 0; hh < om.height(); hh++) {
                    for (int ww = 0; ww < om.width(); ww++) {
                        valid.add(om.slotOf(0, hh, ww));
                    }
                }
                for (double[] v : dc) {
                    for (int j = 0; j < v.length; j++) {
                        if (!valid.contains(j)) {
                            outside = Math.max(outside, Math.abs(v[j]));
                        }
                    }
                }
                System.out.printf("clustered conv %s: error %.2e (HeConvolution %.2e, between %.2e, outside %.2e)%n"
                        + "  clustered ops %s%n  HeConvolution ops %s%n", om, errC, errH, between, outside,
                        opsC.counts(), opsH.counts());
                // The plaintexts of both are the same (value × mask) encodings and Σ_v p_v·Σ_c x_c = Σ_c p_{w_c}·x_c
                // holds exactly in the ring mod q (no rescale in between): the ciphertexts are identical.
                assertEquals(0.0, between, "clustered and HeConvolution results differ");
                // CKKS precision: each weight slot carries a coefficient-rounding error of standard deviation
                // sqrt(N/12)/ptScale, summed over ci·9 terms of inputs |x| <= 1; allow 6 standard deviations
                double bound = 6 * Math.sqrt(PARAMS.n() / 12.0) / ptScale * Math.sqrt(ci * 9.0);
                assertTrue(errC < bound && errH < bound && outside < bound,
                        errC + " " + errH + " " + outside + " vs bound " + bound);
                // static counts are what ran; multiplications are the distinct (tap, value) pairs per output
                assertEquals(c.counts(), opsC.counts());
                assertEquals(h.counts(), opsH.counts());
                double[][][][] w = c == c1 ? w1 : w2;
                assertEquals(expectedMultiplications(w), opsC.counts().plainMultiplications());
                long taps = 9;
                for (int o = 0; o < co; o++) {
                    assertTrue(c.multiplicationsOf(o) <= k * taps);
                }
                assertTrue(opsC.counts().plainMultiplications() < opsH.counts().plainMultiplications());
                assertTrue(opsC.counts().hoistedRotations() <= opsH.counts().hoistedRotations());
                assertEquals(opsH.counts().additions(), opsC.counts().additions());
                assertTrue(c.plaintextCount() < h.plaintextCount());
            }
        }
    }

    @Test
    void refusesThePackedLayout() {
        Random r = new Random(9);
        double[][][][] w = TestTensors.randomConv(r, 3, 4, 3, 0.25);
        var packed = Layout.PACKED.grid(1024, 8, 8);
        assertThrows(IllegalArgumentException.class, () -> new ClusteredPerChannelConvolution(null, w, null, 1, 1,
                1, new FeatureMap(packed, 4, 8, 8, 1), new FeatureMap(packed, 3, 8, 8, 1), 2, 1, 1,
                PlaintextBanks.encoding(PlaintextBank.Mode.PLAN_ONLY)), "packed layout");
    }

    /**
     * Planned operation counts of a 64→64 3×3 layer on a 32×32 image for k ∈ {4, 16, 64} (per-layer clustering),
     * against HeConvolution's per-channel layout on the same weights; printed for the report.
     */
    @Test
    void operationCountsAgainstK() {
        Random r = new Random(1);
        int c = 64;
        double[][][][] original = TestTensors.randomConv(r, c, c, 3, 0.1);
        double[] bias = new double[c];
        CkksParameters params = CkksParameters.builder().logN(LOG_N).dataPrimeBits(52, 59)
                .specialPrimeBits(61).dnum(2).scaleBits(25).allowInsecureForTestsOnly().build();
        try (CkksContext ctx = TestContexts.context(params)) {
            CkksEncoder encoder = new CkksEncoder(ctx);
            var grid = Layout.PER_CHANNEL.grid(params.slots(), 32, 32);
            FeatureMap in = new FeatureMap(grid, c, 32, 32, 1);
            FeatureMap out = new FeatureMap(grid, c, 32, 32, 1);
            HeConvolution plain = new HeConvolution(encoder, original, bias, 1, 1, in, out, 1, 1, 1,
                    PlaintextBanks.encoding(PlaintextBank.Mode.PLAN_ONLY));
            System.out.printf("64->64 3x3 conv, 32x32, per-channel layout: HeConvolution %s, %d plaintexts%n",
                    plain.counts(), plain.plaintextCount());
            long previous = 0;
            for (int k : new int[] {4, 16, 64}) {
                double[][][][] w = cluster(original, k);
                HeConvolution h = new HeConvolution(encoder, w, bias, 1, 1, in, out, 1, 1, 1,
                        PlaintextBanks.encoding(PlaintextBank.Mode.PLAN_ONLY));
                ClusteredPerChannelConvolution cc = new ClusteredPerChannelConvolution(encoder, w, bias, 1, 1, 1, in,
                        out, 1, 1, 1, PlaintextBanks.encoding(PlaintextBank.Mode.PLAN_ONLY));
                OpCounts oc = cc.counts();
                System.out.printf("k=%d: clustered %s, %d plaintexts; HeConvolution same weights: plain %d, "
                        + "%d plaintexts%n", k, oc, cc.plaintextCount(), h.counts().plainMultiplications(),
                        h.plaintextCount());
                assertEquals(expectedMultiplications(w), oc.plainMultiplications());
                assertTrue(oc.plainMultiplications() <= (long) k * 9 * c);
                assertTrue(oc.plainMultiplications() < h.counts().plainMultiplications());
                assertEquals(h.counts().additions(), oc.additions());
                assertEquals(h.counts().hoistedRotations(), oc.hoistedRotations());
                assertTrue(cc.plaintextCount() <= k * 9 + c);
                assertTrue(oc.plainMultiplications() > previous);
                previous = oc.plainMultiplications();
            }
        }
    }
}
