package org.hecnn.inference;

import org.hecnn.inference.packed.HeNetwork;
import org.hecnn.inference.packed.PlaintextBank;
import org.hecnn.inference.packed.PrecisionTargets;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.MissingKeyException;
import org.hecnn.ckks.ParameterMismatchException;
import org.hecnn.ckks.TestContexts;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.hecnn.io.MalformedDataException;
import org.junit.jupiter.api.Test;

/** Client and server exchange only bytes; the server never sees a secret key. */
class ClientServerTest {
    static double[] flat(double[][][] t) {
        return java.util.Arrays.stream(t).flatMap(java.util.Arrays::stream).flatMapToDouble(java.util.Arrays::stream)
                .toArray();
    }


    @Test
    void bytesOnlyRoundTripMatchesPlaintext() throws java.io.IOException {
        Random r = new Random(3);
        Model model = TestTensors.miniResNet(r);
        PrecisionTargets t = new PrecisionTargets(25, 17, 8);
        Tensor image = TestTensors.random(r, 1.0, 3, 8, 8);
        Tensor expected = PlainEvaluator.evaluate(model, image);
        try (CkksContext serverCtx = TestContexts.context(TestTensors.smallParameters(t));
             HeNetwork net = new HeNetwork(model, serverCtx, t, PlaintextBank.Mode.COEFFICIENTS)) {
            InferenceServer server = new InferenceServer(TestNetworks.packed(net, 1));
            byte[] published = server.description().toBytes();
            ServiceDescription seen = ServiceDescription.fromBytes(published, true);
            try (InferenceClient client = new InferenceClient(seen, TestContexts.backend())) {
                InferenceServer.Session session = server.open(client.evaluationKeys());
                double[][][] img = TestTensors.toArray(image);
                byte[] request = client.encrypt(img);
                byte[] response = session.evaluate(request, LayerProgress.NONE);
                double[] logits = client.decrypt(response);
                double err = 0;
                for (int k = 0; k < logits.length; k++) {
                    err = Math.max(err, Math.abs(logits[k] - expected.get(k)));
                }
                assertTrue(err <= expected.maxAbs() * 0x1p-10, "logit error " + err);

                // A traced evaluation: every layer's decrypted output matches the plaintext model's node output.
                java.util.Map<String, Tensor> plainAll = new PlainEvaluator(model).evaluateAll(image);
                java.util.List<String> traced = new java.util.ArrayList<>();
                byte[] tracedResponse = session.evaluate(request, LayerProgress.NONE, (node, cts, map) -> {
                    double[] want = plainAll.get(node).toArray();
                    double[] got = map.channels() * map.height() * map.width() == want.length
                            ? flat(client.decryptLayer(cts, map)) : client.decryptSlots(cts, want.length);
                    double maxAbs = plainAll.get(node).maxAbs();
                    // weights at 2^17 with N = 2^11 round to about 2^-10 of unit-scale values per layer (the
                    // logits above meet 2^-10 of their magnitude); 2^-8 allows for the accumulation over layers
                    double bound = Math.max(maxAbs, 1) * 0x1p-8;
                    for (int k = 0; k < want.length; k++) {
                        assertTrue(Math.abs(got[k] - want[k]) <= bound, node + " value " + k + ": " + got[k] + " vs "
                                + want[k]);
                    }
                    traced.add(node);
                });
                assertTrue(traced.size() >= model.nodes().size() - 2, "traced " + traced);
                assertArrayEquals(response, tracedResponse, "an observed evaluation gives the same bytes");

                // Two images in lockstep (plaintexts converted once for both) give each image's own result.
                Tensor image2 = TestTensors.random(r, 1.0, 3, 8, 8);
                Tensor expected2 = PlainEvaluator.evaluate(model, image2);
                double[][][] img2 = TestTensors.toArray(image2);
                java.util.List<byte[]> together = session.evaluateTogether(
                        java.util.List.of(request, client.encrypt(img2)), LayerProgress.NONE);
                assertArrayEquals(response, together.get(0), "lockstep and single evaluation give the same bytes");
                double[] l1 = client.decrypt(together.get(0));
                double[] l2 = client.decrypt(together.get(1));
                for (int k = 0; k < l1.length; k++) {
                    assertTrue(Math.abs(l1[k] - expected.get(k)) <= expected.maxAbs() * 0x1p-10, "lockstep image 1");
                    assertTrue(Math.abs(l2[k] - expected2.get(k)) <= expected2.maxAbs() * 0x1p-10, "lockstep image 2");
                }

                // The streamed key path (one key at a time, for sets larger than memory) gives the same result.
                java.io.ByteArrayOutputStream streamed = new java.io.ByteArrayOutputStream();
                client.writeEvaluationKeys(streamed);
                InferenceServer.Session fromStream = server.open(
                        new java.io.ByteArrayInputStream(streamed.toByteArray()), streamed.size());
                double[] again = client.decrypt(fromStream.evaluate(request, LayerProgress.NONE));
                for (int k = 0; k < logits.length; k++) {
                    assertTrue(Math.abs(again[k] - expected.get(k)) <= expected.maxAbs() * 0x1p-10);
                }
                assertThrows(MalformedDataException.class, () -> server.open(
                        new java.io.ByteArrayInputStream(streamed.toByteArray()), streamed.size() / 2));

                // Corrupt and foreign inputs give typed errors.
                byte[] broken = request.clone();
                broken[broken.length / 2] ^= 0x5a;
                assertThrows(MalformedDataException.class, () -> session.evaluate(broken, LayerProgress.NONE));
                assertThrows(MalformedDataException.class,
                        () -> session.evaluate(java.util.Arrays.copyOf(request, 100), LayerProgress.NONE));
                assertThrows(MalformedDataException.class,
                        () -> ServiceDescription.fromBytes(java.util.Arrays.copyOf(published, 40), true));
            }
            // Keys for other parameters are refused.
            CkksParameters otherPrimes = CkksParameters.builder().logN(11).dataPrimeBits(61, 58, 58, 58)
                    .specialPrimeBits(61, 61, 61).dnum(2).scaleBits(25).allowInsecureForTestsOnly().build();
            ServiceDescription foreign = packedDescription(otherPrimes, net.rotationSteps(), net.rotationLevels(), 1);
            try (InferenceClient stranger = new InferenceClient(foreign, TestContexts.backend())) {
                assertThrows(ParameterMismatchException.class, () -> server.open(stranger.evaluationKeys()));
            }
            // A client that generated keys for too few rotations hits a typed missing-key error.
            ServiceDescription fewer = packedDescription(TestTensors.smallParameters(t), new int[] {1}, new int[] {3}, 1);
            assertThrows(IllegalArgumentException.class, () -> packedDescription(TestTensors.smallParameters(t),
                    new int[] {1}, new int[] {3}, 2), "5 outputs cannot belong to 2 members");
            try (InferenceClient partial = new InferenceClient(fewer, TestContexts.backend())) {
                InferenceServer.Session s = server.open(partial.evaluationKeys());
                byte[] req = partial.encrypt(new double[3][8][8]);
                assertThrows(MissingKeyException.class, () -> s.evaluate(req, LayerProgress.NONE));
            }
            assertArrayEquals(net.rotationSteps(), seen.rotationSteps());
        }
    }

    /** A packed-layout description of a 3x8x8 input at level 3 with 5 outputs. */
    private static ServiceDescription packedDescription(CkksParameters p, int[] steps, int[] levels, int members) {
        return new ServiceDescription(p, new InputEncoding.ImagePlanes(Layout.PACKED, 3, 8, 8),
                new OutputDecoding.SlotVector(5), 3, p.defaultScale(), Double.NEGATIVE_INFINITY,
                Double.POSITIVE_INFINITY, steps, levels, members, Double.POSITIVE_INFINITY);
    }
}
