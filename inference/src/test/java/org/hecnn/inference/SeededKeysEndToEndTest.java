package org.hecnn.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.hecnn.backend.host.HostEngine;
import org.hecnn.ckks.TestContexts;
import org.hecnn.cnn.model.Model;
import org.hecnn.inference.packed.NetworkCompiler;
import org.hecnn.inference.packed.PrecisionTargets;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.hecnn.inference.service.KeyFootprint;
import org.junit.jupiter.api.Test;

/**
 * A server whose CPU engine keeps only the seeds of its keys' uniform halves ({@link HostEngine#SEEDED_KEYS}, as
 * `hecnn serve` does) answers the same request with the same bytes as one that keeps them expanded: same client
 * keys, same encrypted image, a whole network with rotations, hoisted rotations and relinearisations. Its keys are
 * counted at half the memory.
 */
class SeededKeysEndToEndTest {
    @Test
    void seededAndExpandedKeysGiveTheSameResponse() throws IOException {
        Model imported = OnnxModelsEndToEndTest.load("resnet_b");
        PrecisionTargets targets = new PrecisionTargets(25, 17, 8);
        NetworkCompiler.Options options = OnnxModelsEndToEndTest.testOptions(imported, targets);
        var shape = imported.inputShape();
        double[][][] image = new double[shape.channels()][shape.height()][shape.width()];
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (double[][] channel : image) {
            for (double[] row : channel) {
                for (int w = 0; w < row.length; w++) {
                    row[w] = r.nextDouble(-1, 1);
                }
            }
        }
        byte[] expanded;
        byte[] seeded;
        long expandedKeyBytes;
        long seededKeyBytes;
        String oldCompact = System.getProperty(HostEngine.COMPACT_KEYS);
        String oldSeeded = System.getProperty(HostEngine.SEEDED_KEYS);
        System.setProperty(HostEngine.COMPACT_KEYS, "true"); // seeded keys need compact ones (default from 2^16 on)
        try (NetworkCompiler.Compiled plain = NetworkCompiler.compile(imported, TestContexts.backend(), options)) {
            InferenceServer first = new InferenceServer(plain);
            try (InferenceClient client = new InferenceClient(first.description(), TestContexts.backend())) {
                byte[] keys = client.evaluationKeys();
                byte[] request = client.encrypt(image);
                System.setProperty(HostEngine.SEEDED_KEYS, "false");
                expandedKeyBytes = KeyFootprint.of(plain).engineBytes();
                expanded = first.open(keys).evaluate(request, LayerProgress.NONE);
                System.setProperty(HostEngine.SEEDED_KEYS, "true");
                try (NetworkCompiler.Compiled other = NetworkCompiler.compile(imported, TestContexts.backend(),
                        options)) {
                    seededKeyBytes = KeyFootprint.of(other).engineBytes();
                    seeded = new InferenceServer(other).open(keys).evaluate(request, LayerProgress.NONE);
                }
                assertTrue(Double.isFinite(client.decrypt(seeded)[0]));
            }
        } finally {
            restore(HostEngine.COMPACT_KEYS, oldCompact);
            restore(HostEngine.SEEDED_KEYS, oldSeeded);
        }
        assertArrayEquals(expanded, seeded, "the responses are the same bytes");
        assertTrue(seededKeyBytes * 2 == expandedKeyBytes, seededKeyBytes + " vs " + expandedKeyBytes);
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }
}
