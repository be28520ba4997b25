package org.hecnn.inference;

import org.hecnn.inference.packed.NetworkCompiler;
import org.hecnn.inference.packed.PrecisionTargets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.hecnn.backend.BackendUnavailableException;
import org.hecnn.backend.Backends;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's library example, verbatim between the markers, on a small exported model. */
class ReadmeExampleTest {
    @Test
    void readmeExampleClassifiesAnImage(@TempDir Path dir) throws Exception {
        try {
            Backends.select("cpu");
        } catch (BackendUnavailableException e) {
            Assumptions.abort("the example uses the cpu backend: " + e.getMessage());
        }
        Path modelPath = dir.resolve("resnet_a.onnx");
        try (var in = getClass().getResourceAsStream("/models/resnet_a.onnx")) {
            Files.copy(in, modelPath);
        }
        Model imported = OnnxImporter.load(modelPath);
        PrecisionTargets targets = new PrecisionTargets(25, 17, 8);
        NetworkCompiler.Options options = NetworkCompiler.Options.defaults().withTargets(targets).withParameters(
                OnnxModelsEndToEndTest.testParameters(NetworkCompiler.prepare(imported), targets));
        boolean insecureTestParameters = true;
        double[][][] image = new double[3][8][8];
        double[] flat = new double[3 * 8 * 8];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = Math.sin(i) * 0.5;
            image[i / 64][(i / 8) % 8][i % 8] = flat[i];
        }
        double[] logits;
        // --- README example begins ---
        Model model = OnnxImporter.load(modelPath);                       // a model exported by training/
        try (NetworkCompiler.Compiled compiled = NetworkCompiler.compile(model, Backends.select("cpu"), options)) {
            InferenceServer server = new InferenceServer(compiled);                     // holds no secret key
            byte[] published = server.description().toBytes();                       // parameters, shapes, rotations
            try (InferenceClient client = new InferenceClient(
                    ServiceDescription.fromBytes(published, insecureTestParameters), Backends.select("cpu"))) {
                InferenceServer.Session session = server.open(client.evaluationKeys()); // relinearisation + Galois keys
                byte[] request = client.encrypt(image);                              // double[C][H][W], normalised
                byte[] response = session.evaluate(request, LayerProgress.NONE);
                logits = client.decrypt(response);                           // or client.probabilities(response)
            }
        }
        // --- README example ends ---
        Tensor expected = PlainEvaluator.evaluate(imported, Tensor.of(flat, 3, 8, 8));
        assertEquals(expected.size(), logits.length);
        for (int k = 0; k < logits.length; k++) {
            assertTrue(Math.abs(logits[k] - expected.get(k)) <= expected.maxAbs() * 0x1p-10);
        }
        String readme = Files.readString(Path.of(System.getProperty("hecnn.readme", "../README.md")));
        assertTrue(readme.contains("try (NetworkCompiler.Compiled compiled = NetworkCompiler.compile(model, "
                + "Backends.select(\"cpu\"), options)) {"), "README must show the code this test runs");
    }
}
