package org.hecnn.inference.packed;

import static org.hecnn.inference.TestTensors.miniResNet;
import static org.hecnn.inference.TestTensors.random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hecnn.inference.HeOps;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.Layout;
import org.hecnn.inference.TestTensors;
import org.hecnn.inference.UnsupportedNetworkException;
import java.util.Random;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.Decryptor;
import org.hecnn.ckks.Encryptor;
import org.hecnn.ckks.Evaluator;
import org.hecnn.ckks.TestContexts;
import org.hecnn.cnn.model.Add;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Relu;
import org.hecnn.cnn.model.Shape;
import org.hecnn.cnn.model.ShortcutA;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SecretKey;
import org.junit.jupiter.api.Test;

/** A residual network compiled by {@link HeNetwork} agrees with the plaintext evaluator of the same graph. */
class HeNetworkTest {
    /** Deterministic test keys for a network's rotations, evaluation operations with them, and an encrypted image. */
    record Keyed(SecretKey secretKey, HeOps ops, Ciphertext[] input) {
        static Keyed encrypt(HeNetwork net, CkksContext ctx, Tensor image) {
            java.util.Map<Integer, Integer> keyLevels = new java.util.TreeMap<>();
            for (int i = 0; i < net.rotationSteps().length; i++) {
                keyLevels.merge(Galois.rotationElement(net.rotationSteps()[i], ctx.parameters().logN()),
                        net.rotationLevels()[i], Math::max);
            }
            KeyGenerator kg = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), new byte[32]);
            SecretKey sk = kg.secretKey();
            HeOps ops = new HeOps(new Evaluator(ctx, kg.evaluationKeys(sk, net.relinearizationLevel(), keyLevels)));
            CkksEncoder encoder = new CkksEncoder(ctx);
            double[][] packed = net.inputMap().pack(TestTensors.toArray(image));
            Encryptor enc = Encryptor.withPublicKey(ctx, kg.publicKey(sk));
            Ciphertext[] x = new Ciphertext[packed.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = enc.encrypt(encoder.encode(packed[i], net.inputLevel(), net.inputScale()));
            }
            return new Keyed(sk, ops, x);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"PACKED,NTT", "PER_CHANNEL,NTT", "PACKED,ON_DEMAND",
        "PER_CHANNEL,COEFFICIENTS"})
    void miniResNetMatchesPlaintextEvaluator(Layout layout, PlaintextBank.Mode mode) {
        Random r = new Random(3);
        Model model = miniResNet(r);
        NetworkLevels levels = new NetworkLevels(model);
        assertEquals(3, levels.topLevel());
        assertEquals(1, levels.activationLevel("conv3"));
        assertEquals(1, levels.activationLevel("short"));
        assertEquals(2, levels.level("act1"));
        PrecisionTargets targets = new PrecisionTargets(25, 17, 8);
        CkksParameters params = TestTensors.smallParameters(targets);
        Tensor image = random(r, 1.0, 3, 8, 8);
        Tensor expected = PlainEvaluator.evaluate(model, image);
        try (CkksContext ctx = TestContexts.context(params);
             HeNetwork net = new HeNetwork(model, ctx, targets, mode, layout)) {
            Keyed client = Keyed.encrypt(net, ctx, image);
            HeOps ops = client.ops();
            Ciphertext[] x = client.input();
            CkksEncoder encoder = new CkksEncoder(ctx);
            SecretKey sk = client.secretKey();
            StringBuilder log = new StringBuilder();
            Ciphertext logits = net.evaluate(ops, x, (i, t, node, kind, ns, level) ->
                    log.append(String.format("%d/%d %s (%s) level %d %.1f ms%n", i, t, node, kind, level, ns / 1e6)));
            double[] got = encoder.decode(new Decryptor(ctx, sk).decrypt(logits));
            double err = 0;
            for (int k = 0; k < 5; k++) {
                err = Math.max(err, Math.abs(got[k] - expected.get(k)));
            }
            System.out.print(log);
            System.out.printf(layout + "/" + mode + " mini ResNet: estimated cost %.3g, max logit error %.3e (logits up to %.3f), %s%n", net.estimatedCost(), err,
                    expected.maxAbs(),
                    ops.counts());
            assertEquals(0, logits.level());
            assertEquals(net.totalCounts(), ops.counts(), "the plan's static counts must equal what ran");
            // Relative to the logits: 2^-10 leaves room for the weight-encoding error sqrt(N/12)/2^17 per weight
            // summed over the receptive fields of three layers.
            assertTrue(err <= expected.maxAbs() * 0x1p-10, "logit error " + err);
        }
    }

    /**
     * Plaintexts kept as integers (multiplied through the engine's fused integer path), encoded on demand and kept
     * in NTT form are the same plaintexts: the evaluations agree bit for bit.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Layout.class)
    void onDemandPlaintextsGiveBitIdenticalResults(Layout layout) {
        Random r = new Random(3);
        Model model = miniResNet(r);
        PrecisionTargets targets = new PrecisionTargets(25, 17, 8);
        CkksParameters params = TestTensors.smallParameters(targets);
        Tensor image = random(r, 1.0, 3, 8, 8);
        try (CkksContext ctx = TestContexts.context(params);
             HeNetwork stored = new HeNetwork(model, ctx, targets, PlaintextBank.Mode.COEFFICIENTS, layout);
             HeNetwork onDemand = new HeNetwork(model, ctx, targets, PlaintextBank.Mode.ON_DEMAND, layout);
             HeNetwork ready = new HeNetwork(model, ctx, targets, PlaintextBank.Mode.NTT, layout)) {
            Keyed client = Keyed.encrypt(stored, ctx, image);
            CkksEncoder encoder = new CkksEncoder(ctx);
            Decryptor dec = new Decryptor(ctx, client.secretKey());
            double[] a = encoder.decode(dec.decrypt(stored.evaluate(client.ops(), client.input(), LayerProgress.NONE)));
            double[] b = encoder.decode(dec.decrypt(onDemand.evaluate(client.ops(), client.input(),
                    LayerProgress.NONE)));
            double[] c = encoder.decode(dec.decrypt(ready.evaluate(client.ops(), client.input(), LayerProgress.NONE)));
            org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, 0.0);
            org.junit.jupiter.api.Assertions.assertArrayEquals(a, c, 0.0);
        }
    }

    /** The operations an evaluation performs are the plan's, one image or two in lockstep, in every mode. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = PlaintextBank.Mode.class,
            names = {"NTT", "COEFFICIENTS", "ON_DEMAND"})
    void executedOperationsAreThePlannedOnes(PlaintextBank.Mode mode) {
        Random r = new Random(3);
        Model model = miniResNet(r);
        PrecisionTargets targets = new PrecisionTargets(25, 17, 8);
        CkksParameters params = TestTensors.smallParameters(targets);
        Tensor image = random(r, 1.0, 3, 8, 8);
        try (CkksContext ctx = TestContexts.context(params);
             HeNetwork net = new HeNetwork(model, ctx, targets, mode, Layout.PACKED)) {
            Keyed one = Keyed.encrypt(net, ctx, image);
            net.evaluate(one.ops(), one.input(), LayerProgress.NONE).close();
            assertEquals(net.totalCounts(), one.ops().counts(), "one image");
            Keyed two = Keyed.encrypt(net, ctx, image);
            net.evaluateTogether(two.ops(), java.util.List.of(two.input(), two.input()), LayerProgress.NONE)
                    .forEach(Ciphertext::close);
            assertEquals(net.totalCounts().times(2), two.ops().counts(), "two images in lockstep");
        }
    }

    @Test
    void costModelPrefersThePackedLayoutForANarrowNetwork() {
        Model model = miniResNet(new Random(3));
        PrecisionTargets targets = new PrecisionTargets(25, 17, 8);
        CkksParameters params = TestTensors.smallParameters(targets);
        try (CkksContext ctx = TestContexts.context(params);
             HeNetwork packed = new HeNetwork(model, ctx, targets, PlaintextBank.Mode.PLAN_ONLY, Layout.PACKED);
             HeNetwork perChannel = new HeNetwork(model, ctx, targets, PlaintextBank.Mode.PLAN_ONLY,
                     Layout.PER_CHANNEL)) {
            assertTrue(packed.estimatedCost() < perChannel.estimatedCost(),
                    packed.estimatedCost() + " vs " + perChannel.estimatedCost());
            assertTrue(packed.totalCounts().plainMultiplications() < perChannel.totalCounts().plainMultiplications());
        }
    }

    @Test
    void reluModelIsRefusedWithTheNodeName() {
        Model.Builder b = Model.builder("relu").input("x", Shape.map(1, 4, 4));
        b.add("c", Conv2d.of(Tensor.zeros(1, 1, 3, 3), null, 1, 1), "x");
        b.add("r", new Relu(), "c");
        b.add("p", new GlobalAvgPool(1.0), "r");
        b.add("f", new Flatten(), "p");
        b.add("fc", new Linear(Tensor.zeros(2, 1), Tensor.zeros(2)), "f");
        Model model = b.output("fc").build();
        UnsupportedNetworkException e = assertThrows(UnsupportedNetworkException.class,
                () -> new NetworkLevels(model));
        assertTrue(e.getMessage().contains("'r'") && e.getMessage().contains("quadratic activation"),
                e.getMessage());
    }
}
