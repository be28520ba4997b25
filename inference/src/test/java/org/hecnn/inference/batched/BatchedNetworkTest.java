package org.hecnn.inference.batched;

import org.hecnn.inference.chain.BatchedProgram;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.hecnn.backend.Backends;
import org.hecnn.cnn.model.AvgPool;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Shape;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.cnn.plain.InvalidInputException;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.hecnn.io.MalformedDataException;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.UnsupportedNetworkException;
import org.junit.jupiter.api.Test;

/** The batched layout on the shipped MNIST models (dense and pruned power-of-two) and on synthetic chains. */
public class BatchedNetworkTest {
    static final Path POW2 = Path.of("../models/mnist_cryptonets_pow2.onnx");
    static final Path DENSE = Path.of("../models/mnist_cryptonets_dense.onnx");
    static final double LO = (0 - 0.1307) / 0.3081;
    static final double HI = (1 - 0.1307) / 0.3081;

    static double[][] images(int count, int size, long seed) {
        Random r = new Random(seed);
        double[][] imgs = new double[count][size];
        for (double[] img : imgs) {
            for (int i = 0; i < img.length; i++) {
                img[i] = r.nextDouble() < 0.7 ? LO : LO + (HI - LO) * r.nextDouble();
            }
        }
        return imgs;
    }

    /** A client that learned the network's service description as bytes, as a remote one would. */
    public static InferenceClient clientOf(EncryptedNetwork net) {
        boolean insecure = net.context().parameters().isInsecure();
        return new InferenceClient(ServiceDescription.fromBytes(new InferenceServer(net).description().toBytes(),
                insecure), Backends.select("cpu"));
    }

    @Test
    void loweringComputesTheSameFunctionAsTheModel() {
        for (Path p : new Path[] {POW2, DENSE}) {
            Model m = OnnxImporter.load(p);
            BatchedProgram program = BatchedProgram.lower(m);
            for (double[] img : images(5, 784, 7)) {
                double[] want = PlainEvaluator.evaluate(m, Tensor.of(img, 1, 28, 28)).toArray();
                double[] got = program.evaluate(img);
                for (int k = 0; k < want.length; k++) {
                    assertEquals(want[k], got[k], 1e-10 * Math.max(1, Math.abs(want[k])), p + " logit " + k);
                }
            }
        }
    }

    @Test
    void powerOfTwoModelNeedsNoGenericMultiplicationAndFewerBits() {
        BatchedPlan pow2 = BatchedCompiler.plan(OnnxImporter.load(POW2), LO, HI, BatchedPlan.Precision.standard());
        BatchedPlan dense = BatchedCompiler.plan(OnnxImporter.load(DENSE), LO, HI, BatchedPlan.Precision.standard());
        for (int i = 0; i < pow2.program().stages().size(); i++) {
            if (pow2.program().stages().get(i) instanceof BatchedProgram.Affine) {
                assertTrue(pow2.layer(i).powerOfTwo(), "pow2 stage " + i);
                assertFalse(dense.layer(i).powerOfTwo(), "dense stage " + i);
            }
        }
        {
            OpCounts cp = pow2.counts();
            OpCounts cd = dense.counts();
            assertEquals(0, cp.constantMultiplications() + cp.plainMultiplications());
            assertTrue(cd.constantMultiplications() > 4 * cp.additions() / 2, cd + " vs " + cp);
            assertEquals(945, cp.ctCtMultiplications());
            assertEquals(110, cp.relinearizations());
        }
        assertTrue(pow2.logQP() < dense.logQP(), pow2.logQP() + " vs " + dense.logQP());
        assertEquals(13, pow2.parameters(4096).logN());
    }

    @Test
    void encryptedBatchMatchesPlaintextWithinTheDerivedBound() {
        Model m = OnnxImporter.load(POW2);
        int batch = 8;
        double[][] imgs = images(batch, 784, 11);
        try (BatchedNetwork net = BatchedCompiler.compile(m, LO, HI, BatchedPlan.Precision.standard(), batch, null,
                Backends.select("cpu"));
             InferenceClient client = clientOf(net)) {
            InferenceServer.Session session = new InferenceServer(net).open(client.evaluationKeys());
            byte[] response = session.evaluate(client.encrypt(imgs), LayerProgress.NONE);
            assertEquals(net.plan().counts(), session.lastCounts(), "static and executed HOPs");
            double[][] out = client.decrypt(response, batch);
            double bound = net.plan().errorBound(net.context().parameters());
            // logits are O(10): a bound below 0.05 guarantees the encrypted class whenever the top-two margin > 0.1
            assertTrue(bound < 0.05, "the bound must say something: " + bound);
            double maxErr = 0;
            for (int b = 0; b < batch; b++) {
                double[] want = PlainEvaluator.evaluate(m, Tensor.of(imgs[b], 1, 28, 28)).toArray();
                for (int k = 0; k < want.length; k++) {
                    maxErr = Math.max(maxErr, Math.abs(out[b][k] - want[k]));
                }
            }
            assertTrue(maxErr <= bound, "error " + maxErr + " exceeds the derived bound " + bound);
            assertTrue(maxErr > 0, "a CKKS result is never exact");
        }
    }

    /** conv (generic and power-of-two weights mixed) → x² + x → linear: mixed layers and a linear term. */
    @Test
    void mixedWeightsAndLinearTermsOnASyntheticChain() {
        Random r = new Random(5);
        double[] cw = new double[3 * 1 * 3 * 3];
        for (int i = 0; i < cw.length; i++) {
            cw[i] = i % 3 == 0 ? Math.scalb(r.nextBoolean() ? 1.0 : -1.0, -r.nextInt(4)) : r.nextGaussian() * 0.3;
        }
        double[] lw = new double[4 * 3 * 4 * 4];
        for (int i = 0; i < lw.length; i++) {
            lw[i] = r.nextGaussian() * 0.2;
        }
        Model.Builder b = Model.builder("synthetic").input("x", Shape.map(1, 6, 6));
        b.add("conv", Conv2d.of(Tensor.of(cw, 3, 1, 3, 3), Tensor.vector(0.1, -0.2, 0.3), 1, 0), "x");
        b.add("act", Polynomial.of(0.05, 0.5, 0.25), "conv");
        b.add("flat", new Flatten(), "act");
        b.add("fc", Linear.of(Tensor.of(lw, 4, 48), Tensor.vector(0.0, 0.1, 0.2, 0.3)), "flat");
        Model m = b.output("fc").build();
        double[][] imgs = images(4, 36, 3);
        try (BatchedNetwork net = BatchedCompiler.compile(m, LO, HI, BatchedPlan.Precision.standard(), 4, null,
                Backends.select("cpu"));
             InferenceClient client = clientOf(net)) {
            assertFalse(net.plan().layer(0).powerOfTwo());
            InferenceServer.Session session = new InferenceServer(net).open(client.evaluationKeys());
            double[][] out = client.decrypt(session.evaluate(client.encrypt(imgs), LayerProgress.NONE), 4);
            double bound = net.plan().errorBound(net.context().parameters());
            for (int i = 0; i < 4; i++) {
                double[] want = PlainEvaluator.evaluate(m, Tensor.of(imgs[i], 1, 6, 6)).toArray();
                for (int k = 0; k < 4; k++) {
                    assertEquals(want[k], out[i][k], bound, "image " + i + " output " + k);
                }
            }
        }
    }

    @Test
    void badInputsGetTypedErrors() {
        Model m = OnnxImporter.load(POW2);
        try (BatchedNetwork net = BatchedCompiler.compile(m, LO, HI, BatchedPlan.Precision.standard(), 1, null,
                Backends.select("cpu"));
             InferenceClient client = clientOf(net)) {
            double[][] img = images(1, 784, 1);
            img[0][5] = HI + 1;
            var e = assertThrows(InvalidInputException.class, () -> client.encrypt(img));
            assertTrue(e.getMessage().contains("outside the range"), e.getMessage());
            assertThrows(InvalidInputException.class, () -> client.encrypt(new double[][] {new double[783]}));
            assertThrows(InvalidInputException.class, () -> client.encrypt(new double[client.capacity() + 1][784]));
            InferenceServer.Session session = new InferenceServer(net).open(client.evaluationKeys());
            byte[] request = client.encrypt(images(1, 784, 2));
            assertThrows(MalformedDataException.class, () -> session.evaluate(java.util.Arrays.copyOf(request,
                    request.length / 3), LayerProgress.NONE), "a truncated request (too few neurons)");
        }
        Model.Builder b = Model.builder("pooled").input("x", Shape.map(1, 4, 4));
        b.add("conv", Conv2d.of(Tensor.of(new double[9], 1, 1, 3, 3), null, 1, 1), "x");
        b.add("pool", new AvgPool(2, 2, 2, 2, 0.25), "conv");
        Model pooled = b.output("pool").build();
        var u = assertThrows(UnsupportedNetworkException.class, () -> BatchedProgram.lower(pooled));
        assertTrue(u.getMessage().contains("'pool'"), u.getMessage());
    }
}
