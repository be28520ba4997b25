package org.hecnn.inference;

import org.hecnn.inference.packed.HeNetwork;
import org.hecnn.inference.packed.NetworkCompiler;
import org.hecnn.inference.packed.PlaintextBank;
import org.hecnn.inference.packed.PrecisionTargets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.TestContexts;
import org.hecnn.cnn.cluster.Granularity;
import org.hecnn.cnn.ensemble.EnsembleStack;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** An ensemble of mini ResNets evaluated in one encrypted pass, members in interleaved channel blocks. */
class EnsembleEndToEndTest {

    @ParameterizedTest
    @CsvSource({"PACKED,0,false", "PER_CHANNEL,0,false", "PACKED,4,false", "PER_CHANNEL,4,false",
        "PER_CHANNEL,0,true"})
    void everyMemberMatchesItsPlaintextModel(Layout layout, int clusters, boolean separateRescales) {
        List<Model> members = List.of(TestTensors.miniResNet(new Random(3)), TestTensors.miniResNet(new Random(4)),
                TestTensors.miniResNet(new Random(5)));
        NetworkCompiler.Options options = NetworkCompiler.Options.defaults()
                .withClustering(clusters, Granularity.PER_KERNEL_COLUMN);
        EnsembleStack stack = NetworkCompiler.prepareEnsemble(members, options);
        assertEquals(3, stack.members());
        // Separate rescales also exercise the per-channel activations' plaintexts after the first rescale; their
        // bound is OnnxModelsEndToEndTest's (2^-18 instead of 2^-10, the weight bits tower reuse spends).
        PrecisionTargets t = separateRescales ? PrecisionTargets.precise() : new PrecisionTargets(25, 17, 8);
        double bound = separateRescales ? 0x1p-18 : 0x1p-10;
        Tensor image = TestTensors.random(new Random(9), 1.0, 3, 8, 8);
        double[] expected = PlainEvaluator.evaluate(stack.model(), image).toArray();
        if (clusters == 0) {
            // Unclustered, the stacked plaintext model is each imported member side by side.
            for (int m = 0; m < 3; m++) {
                double[] own = PlainEvaluator.evaluate(members.get(m), image).toArray();
                double[] mine = stack.memberOutputs(expected, m);
                for (int k = 0; k < own.length; k++) {
                    assertEquals(own[k], mine[k], 1e-9 * (1 + Math.abs(own[k])));
                }
            }
        }
        try (CkksContext ctx = TestContexts.context(OnnxModelsEndToEndTest.testParameters(stack.model(), t));
             HeNetwork net = new HeNetwork(stack.model(), ctx, t, PlaintextBank.Mode.COEFFICIENTS, layout)) {
            InferenceServer server = new InferenceServer(TestNetworks.packed(net, stack.members()));
            ServiceDescription seen = ServiceDescription.fromBytes(server.description().toBytes(), true);
            assertEquals(15, seen.outputs());
            assertEquals(3, seen.members());
            try (InferenceClient client = new InferenceClient(seen, TestContexts.backend())) {
                InferenceServer.Session session = server.open(client.evaluationKeys());
                double[][][] img = TestTensors.toArray(image);
                byte[] response = session.evaluate(client.encrypt(img), LayerProgress.NONE);
                double[] logits = client.decrypt(response);
                double worst = 0;
                double err = 0;
                for (int k = 0; k < logits.length; k++) {
                    err = Math.max(err, Math.abs(logits[k] - expected[k]));
                }
                System.out.printf("%s, %d clusters, %s: largest logit error %.3e%n", layout, clusters, t, err);
                // The bound ClientServerTest applies to one member, applied to each member's logits.
                for (int m = 0; m < 3; m++) {
                    double[] want = stack.memberOutputs(expected, m);
                    double[] got = stack.memberOutputs(logits, m);
                    double maxAbs = java.util.Arrays.stream(want).map(Math::abs).max().orElseThrow();
                    worst = Math.max(worst, maxAbs * bound);
                    for (int k = 0; k < want.length; k++) {
                        assertTrue(Math.abs(got[k] - want[k]) <= maxAbs * bound,
                                "member " + m + " logit " + k + ": " + got[k] + " vs " + want[k]);
                    }
                }
                // The client averages the members' softmax itself (the description names the member count). Each
                // softmax output moves by at most half the largest logit change (its Jacobian rows have 1-norm
                // 2p(1-p) <= 1/2), and so does their mean.
                double[] p = client.probabilities(response);
                double[] q = stack.averageSoftmax(expected);
                for (int k = 0; k < p.length; k++) {
                    assertEquals(q[k], p[k], worst / 2);
                }
            }
        }
    }
}
