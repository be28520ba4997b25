package org.hecnn.inference;

import org.hecnn.inference.packed.NetworkCompiler;
import org.hecnn.inference.packed.NetworkLevels;
import org.hecnn.inference.packed.PrecisionTargets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.TestContexts;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PyTorch-exported models go through the whole path — ONNX import, fusion passes, weight redistribution, level
 * planning, encrypted evaluation over bytes — and agree with the plaintext evaluation of the imported model.
 */
class OnnxModelsEndToEndTest {
    static Model load(String name) throws IOException {
        try (InputStream in = OnnxModelsEndToEndTest.class.getResourceAsStream("/models/" + name + ".onnx")) {
            return OnnxImporter.read(in, name);
        }
    }

    /** INSECURE small parameters with the targets' chain of primes (for fast tests). */
    static CkksParameters testParameters(Model prepared, PrecisionTargets t) {
        int activations = new NetworkLevels(prepared).topLevel();
        var shape = prepared.inputShape();
        int block = SlotGrid.forImage(1 << 16, shape.height(), shape.width()).blockSize();
        int logN = Math.max(11, 32 - Integer.numberOfLeadingZeros(2 * block - 1));
        int[] bits = t.chainBits(activations);
        int levels = bits.length - 1;
        return CkksParameters.builder().logN(logN).dataPrimeBits(bits).specialPrimeBits(61, 61, 61)
                .dnum((levels + 2) / 2).scaleBits(t.scaleBits()).allowInsecureForTestsOnly().build();
    }

    /** Compiler options for {@code imported} with {@code targets} on its {@link #testParameters}. */
    static NetworkCompiler.Options testOptions(Model imported, PrecisionTargets targets) {
        return NetworkCompiler.Options.defaults().withTargets(targets)
                .withParameters(testParameters(NetworkCompiler.prepare(imported), targets));
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet_a", "resnet_b", "training_resnet8", "training_wide8"})
    void encryptedLogitsMatchThePlaintextModel(String name) throws IOException {
        double[] e = logitError(name, new PrecisionTargets(25, 17, 8));
        // Weight plaintexts at 2^17 and activations at 2^25 leave about 2^-10 of the logits' size through
        // a handful of layers (see HeNetworkTest); the same bound holds for every exported model.
        assertTrue(e[0] <= Math.max(e[1], 1.0) * 0x1p-10, name + ": logit error " + e[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet_b", "training_resnet8"})
    void separateRescalesBuyTheWeightBitsTowerReuseSpends(String name) throws IOException {
        // Same 60 bits per layer as tower reuse at 2^24/2^18 (s·W² = s·W = 2^60), but 2^33 activations and 2^27
        // weights: 8 more bits on the activation noise and 10 on the weight rounding than the 25/17 tower case
        // above, so its 2^-10 bound becomes 2^-18 (the final linear layer's weights sit at its own 39-bit prime,
        // finer than tower reuse's 2^(61-8-25) = 2^28).
        double[] e = logitError(name, PrecisionTargets.precise());
        assertTrue(e[0] <= Math.max(e[1], 1.0) * 0x1p-18, name + ": logit error " + e[0]);
    }

    /** Largest logit error of one encrypted evaluation over bytes, and the largest plaintext logit. */
    private static double[] logitError(String name, PrecisionTargets targets) throws IOException {
        Model imported = load(name);
        var shape = imported.inputShape();
        Random r = new Random(name.hashCode());
        double[][][] image = new double[shape.channels()][shape.height()][shape.width()];
        double[] flat = new double[shape.channels() * shape.height() * shape.width()];
        int i = 0;
        for (double[][] ch : image) {
            for (double[] row : ch) {
                for (int w = 0; w < row.length; w++) {
                    row[w] = r.nextGaussian() * 0.5;
                    flat[i++] = row[w];
                }
            }
        }
        Tensor expected = PlainEvaluator.evaluate(imported, Tensor.of(flat, shape.channels(), shape.height(),
                shape.width()));
        try (NetworkCompiler.Compiled compiled = NetworkCompiler.compile(imported, TestContexts.backend(),
                testOptions(imported, targets))) {
            InferenceServer server = new InferenceServer(compiled);
            try (InferenceClient client = new InferenceClient(server.description(), TestContexts.backend())) {
                InferenceServer.Session session = server.open(client.evaluationKeys());
                double[] logits = client.decrypt(session.evaluate(client.encrypt(image), LayerProgress.NONE));
                assertEquals(expected.size(), logits.length);
                double err = 0;
                for (int k = 0; k < logits.length; k++) {
                    err = Math.max(err, Math.abs(logits[k] - expected.get(k)));
                }
                System.out.printf("%s %s: %s, max logit error %.3e of %.3f, %s%n", name, targets, compiled.decisions(),
                        err, expected.maxAbs(), session.lastCounts());
                assertEquals(compiled.network().totalCounts(), session.lastCounts());
                return new double[] {err, expected.maxAbs()};
            }
        }
    }
}
