package org.hecnn.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.hecnn.backend.Backends;
import org.hecnn.ckks.CkksContext;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.cnn.plain.InvalidInputException;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.batched.BatchedCompiler;
import org.hecnn.inference.batched.BatchedPlan;
import org.hecnn.inference.chain.BatchedProgram;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.hecnn.inference.vector.VectorNetwork;
import org.hecnn.inference.vector.VectorPlan;
import org.hecnn.serving.client.RemoteInference;
import org.junit.jupiter.api.Test;

/**
 * The layouts the packed-network serving tests do not cover, over loopback gRPC: the shipped power-of-two MNIST model
 * in the batched layout (many images per request) and in the vector layout. The client learns the layout from the
 * service description alone; remote and local evaluation both meet the plan's derived error bound.
 */
class ServingLayoutsTest {
    private static final Path POW2 = Path.of("../models/mnist_cryptonets_pow2.onnx");
    private static final double LO = (0 - 0.1307) / 0.3081;
    private static final double HI = (1 - 0.1307) / 0.3081;
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    private static double[][] images(int count, long seed) {
        Random r = new Random(seed);
        double[][] imgs = new double[count][784];
        for (double[] img : imgs) {
            for (int i = 0; i < img.length; i++) {
                img[i] = r.nextDouble() < 0.7 ? LO : LO + (HI - LO) * r.nextDouble();
            }
        }
        return imgs;
    }

    /** Serves {@code net}, runs {@code imgs} remotely and locally, and checks both against plaintext within {@code bound}. */
    private static void servesWithinBound(Model model, EncryptedNetwork net, double[][] imgs, double bound)
            throws InterruptedException {
        InferenceServer server = new InferenceServer(net);
        ServingLimits limits = TestService.limits(4, 1, 4, Duration.ofMinutes(5), Duration.ofSeconds(10));
        try (HecnnServer running = HecnnServer.start(server, limits, HecnnServer.Endpoint.loopback(0));
             RemoteInference remote = RemoteInference.connect("127.0.0.1:" + running.port(), null, true,
                     Backends.select("cpu"));
             InferenceClient local = new InferenceClient(server.description(), Backends.select("cpu"))) {
            assertEquals(net.description().capacity(), remote.capacity(), "the client learns the capacity");
            remote.openSession();
            double[][] got = imgs.length == 1 ? new double[][] {remote.infer(imgs, DEADLINE)[0]}
                    : remote.infer(imgs, DEADLINE);
            InferenceServer.Session session = server.open(local.evaluationKeys());
            double[][] here = local.decrypt(session.evaluate(local.encrypt(imgs), LayerProgress.NONE), imgs.length);
            for (int b = 0; b < imgs.length; b++) {
                double[] want = PlainEvaluator.evaluate(model, Tensor.of(imgs[b], 1, 28, 28)).toArray();
                for (int k = 0; k < want.length; k++) {
                    assertEquals(want[k], got[b][k], bound, "remote image " + b + " logit " + k);
                    assertEquals(want[k], here[b][k], bound, "local image " + b + " logit " + k);
                }
            }
            assertThrows(InvalidInputException.class, () -> remote.infer(new double[remote.capacity() + 1][784],
                    DEADLINE), "more images than a request carries");
            assertEquals(1, running.metrics().requests("ok"));
            // the load generator fills each request to the service's capacity and loses nothing
            var report = new org.hecnn.serving.client.LoadGenerator("127.0.0.1:" + running.port(), null, true,
                    Backends.select("cpu"), DEADLINE).run(2, 1, 0, i -> imgs[i % imgs.length]);
            assertEquals(net.description().capacity(), report.imagesPerRequest());
            assertEquals(2, report.answered(), report.failures().toString());
            assertEquals(0, report.lost());
        }
    }

    @Test
    void batchedLayoutServesManyImagesPerRequest() throws InterruptedException {
        Model m = OnnxImporter.load(POW2);
        try (var net = BatchedCompiler.compile(m, LO, HI, BatchedPlan.Precision.standard(), 8, null,
                Backends.select("cpu"))) {
            assertTrue(net.description().capacity() >= 8);
            servesWithinBound(m, net, images(8, 3), net.plan().errorBound(net.context().parameters()));
        }
    }

    @Test
    void vectorLayoutServesOneImagePerRequest() throws InterruptedException {
        Model m = OnnxImporter.load(POW2);
        VectorPlan plan = new VectorPlan(BatchedProgram.lower(m), LO, HI, VectorPlan.DEFAULT_SCALE_BITS);
        try (var net = new VectorNetwork(plan, CkksContext.create(plan.parameters(), Backends.select("cpu")))) {
            assertEquals(1, net.description().capacity());
            servesWithinBound(m, net, images(1, 4), plan.errorBound(net.context().parameters()));
        }
    }
}
