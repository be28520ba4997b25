package org.hecnn.inference.packed;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.Layout;
import org.hecnn.inference.TestTensors;
import java.util.Random;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.Decryptor;
import org.hecnn.ckks.TestContexts;
import org.hecnn.cnn.model.Add;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Shape;
import org.hecnn.cnn.model.ShortcutA;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Networks whose activations have their own quadratic per channel (trainable activations, exported as [C, 1, 1]
 * coefficient tensors) evaluate under encryption like the plaintext model, after the compiler's passes, when their
 * activations share the x² coefficient; when they do not, the scales of a deep residual stream drift and the compiler
 * refuses the model instead of computing garbage (an encrypted ResNet-20 of that kind once decrypted to logits 6e9
 * off).
 */
class PerChannelActivationTest {
    /** Per channel c0, c1 around the ReLU fit; c2 shared (0.234) unless {@code curvatureSpread} is positive. */
    private static Polynomial perChannel(Random r, int channels, double curvatureSpread) {
        double[][] c = new double[channels][];
        for (int i = 0; i < channels; i++) {
            c[i] = new double[] {0.19 * (0.8 + 0.4 * r.nextDouble()), 0.5 * (0.8 + 0.4 * r.nextDouble()),
                0.234 * (1 + curvatureSpread * (2 * r.nextDouble() - 1))};
        }
        return Polynomial.perChannel(c);
    }

    static Model miniResNet(Random r) {
        return miniResNet(r, 0, 3);
    }

    /** conv-act, a stride-2 block with an option-A shortcut, then {@code blocks} identity blocks, pool, linear. */
    static Model miniResNet(Random r, double curvatureSpread, int blocks) {
        Model.Builder b = Model.builder("per-channel-resnet").input("x", Shape.map(3, 8, 8));
        b.add("conv1", Conv2d.of(TestTensors.random(r, 0.3, 4, 3, 3, 3), TestTensors.random(r, 0.1, 4), 1, 1), "x");
        b.add("act1", perChannel(r, 4, curvatureSpread), "conv1");
        b.add("conv2", Conv2d.of(TestTensors.random(r, 0.15, 8, 4, 3, 3), TestTensors.random(r, 0.1, 8), 2, 1), "act1");
        b.add("act2", perChannel(r, 8, curvatureSpread), "conv2");
        b.add("conv3", Conv2d.of(TestTensors.random(r, 0.1, 8, 8, 3, 3), TestTensors.random(r, 0.1, 8), 1, 1), "act2");
        b.add("short", ShortcutA.of(4, 8), "act1");
        b.add("sum", new Add(), "conv3", "short");
        b.add("act3", perChannel(r, 8, curvatureSpread), "sum");
        String stream = "act3";
        for (int k = 0; k < blocks; k++) {
            b.add("conv" + (4 + k), Conv2d.of(TestTensors.random(r, 0.1, 8, 8, 3, 3), TestTensors.random(r, 0.1, 8),
                    1, 1), stream);
            b.add("sum" + (2 + k), new Add(), "conv" + (4 + k), stream);
            b.add("act" + (4 + k), perChannel(r, 8, curvatureSpread), "sum" + (2 + k));
            stream = "act" + (4 + k);
        }
        b.add("pool", new GlobalAvgPool(1.0), stream);
        b.add("flat", new Flatten(), "pool");
        b.add("fc", new Linear(TestTensors.random(r, 0.05, 5, 8), TestTensors.random(r, 0.1, 5)), "flat");
        return b.output("fc").build();
    }

    @org.junit.jupiter.api.Test
    void aDeepStreamOfDifferentCurvaturesIsRefusedWithTheReason() {
        Model model = miniResNet(new Random(22), 0.3, 9);
        org.hecnn.cnn.compile.CompilationException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.hecnn.cnn.compile.CompilationException.class, () -> NetworkCompiler.prepare(model));
        assertTrue(e.getMessage().contains("share one x² coefficient"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"PACKED,true", "PER_CHANNEL,true", "PACKED,false"})
    void perChannelQuadraticsMatchThePlaintextModel(Layout layout, boolean separate) {
        Random r = new Random(21);
        Model model = NetworkCompiler.prepare(miniResNet(r));
        PrecisionTargets targets = separate ? new PrecisionTargets(33, 27, 8, true) : new PrecisionTargets(25, 17, 8);
        Tensor image = TestTensors.random(r, 1.0, 3, 8, 8);
        Tensor expected = PlainEvaluator.evaluate(model, image);
        int[] chain = targets.chainBits(new NetworkLevels(model).topLevel());
        try (CkksContext ctx = TestContexts.context(org.hecnn.ckks.CkksParameters.builder().logN(11).dataPrimeBits(chain)
                .specialPrimeBits(61, 61, 61).dnum((chain.length + 2) / 3).scaleBits(targets.scaleBits())
                .allowInsecureForTestsOnly().build());
             HeNetwork net = new HeNetwork(model, ctx, targets, PlaintextBank.Mode.NTT, layout)) {
            HeNetworkTest.Keyed client = HeNetworkTest.Keyed.encrypt(net, ctx, image);
            Ciphertext logits = net.evaluate(client.ops(), client.input(), LayerProgress.NONE);
            double[] got = new CkksEncoder(ctx).decode(new Decryptor(ctx, client.secretKey()).decrypt(logits));
            double err = 0;
            for (int k = 0; k < 5; k++) {
                err = Math.max(err, Math.abs(got[k] - expected.get(k)));
            }
            assertTrue(err <= expected.maxAbs() * 0x1p-10, layout + " separate=" + separate + ": logit error " + err
                    + " for logits up to " + expected.maxAbs());
        }
    }
}
