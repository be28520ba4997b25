package org.hecnn.inference.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.hecnn.backend.Backends;
import org.hecnn.ckks.CkksContext;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.cnn.plain.InvalidInputException;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.batched.BatchedNetworkTest;
import org.hecnn.inference.chain.BatchedProgram;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.junit.jupiter.api.Test;

/** The single-image vector layout on the shipped power-of-two MNIST model. */
class VectorNetworkTest {
    static final double LO = (0 - 0.1307) / 0.3081;
    static final double HI = (1 - 0.1307) / 0.3081;

    @Test
    void encryptedImageMatchesPlaintextWithinTheDerivedBound() {
        Model m = OnnxImporter.load(Path.of("../models/mnist_cryptonets_pow2.onnx"));
        VectorPlan plan = new VectorPlan(BatchedProgram.lower(m), LO, HI, 36);
        assertEquals(5, plan.levels());
        try (VectorNetwork net = new VectorNetwork(plan, CkksContext.create(plan.parameters(), Backends.select("cpu")));
             InferenceClient client = BatchedNetworkTest.clientOf(net)) {
            Random r = new Random(2);
            double bound = plan.errorBound(net.context().parameters());
            assertTrue(bound < 0.05, "the bound must say something: " + bound);
            InferenceServer.Session session = new InferenceServer(net).open(client.evaluationKeys());
            for (int trial = 0; trial < 2; trial++) {
                double[] img = new double[784];
                for (int i = 0; i < img.length; i++) {
                    img[i] = r.nextDouble() < 0.7 ? LO : LO + (HI - LO) * r.nextDouble();
                }
                double[] got = client.decrypt(session.evaluate(client.encrypt(new double[][] {img}),
                        LayerProgress.NONE));
                double[] want = PlainEvaluator.evaluate(m, Tensor.of(img, 1, 28, 28)).toArray();
                for (int k = 0; k < 10; k++) {
                    assertEquals(want[k], got[k], bound, "logit " + k);
                }
                assertEquals(net.plannedCounts(), session.lastCounts(), "static and executed HOPs");
                assertEquals(0, session.lastCounts().constantMultiplications());
                assertTrue(session.lastCounts().hoistedRotations() > 0 && session.lastCounts().rotations() > 0);
            }
            double[] bad = new double[784];
            bad[3] = HI + 1;
            assertThrows(InvalidInputException.class, () -> client.encrypt(new double[][] {bad}));
            assertThrows(InvalidInputException.class, () -> client.encrypt(new double[][] {img(r), img(r)}),
                    "one image per request in the vector layout");
        }
    }

    private static double[] img(Random r) {
        double[] img = new double[784];
        for (int i = 0; i < img.length; i++) {
            img[i] = r.nextDouble() < 0.7 ? LO : LO + (HI - LO) * r.nextDouble();
        }
        return img;
    }
}
