package org.hecnn.serving;

import java.time.Duration;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.TestContexts;
import org.hecnn.cnn.model.Model;
import org.hecnn.inference.packed.HeNetwork;
import org.hecnn.inference.packed.PlaintextBank;
import org.hecnn.inference.packed.PrecisionTargets;
import org.hecnn.inference.TestTensors;
import org.hecnn.inference.service.InferenceServer;

/** The inference tests' small residual network compiled at insecure test-only parameters, served on loopback. */
final class TestService implements AutoCloseable {
    static final PrecisionTargets TARGETS = new PrecisionTargets(25, 17, 8);

    final Model model;
    final CkksContext context;
    final HeNetwork network;
    final InferenceServer server;

    TestService(long seed) {
        model = TestTensors.miniResNet(new java.util.Random(seed));
        context = TestContexts.context(TestTensors.smallParameters(TARGETS));
        network = new HeNetwork(model, context, TARGETS, PlaintextBank.Mode.COEFFICIENTS);
        server = new InferenceServer(org.hecnn.inference.TestNetworks.packed(network, 1));
    }

    HecnnServer start(int port, ServingLimits limits) {
        return HecnnServer.start(server, limits, HecnnServer.Endpoint.loopback(port));
    }

    static ServingLimits limits(int maxSessions, int workers, int queue, Duration idle, Duration grace) {
        return new ServingLimits(maxSessions, 1L << 32, 0, idle, workers, queue, grace);
    }

    @Override
    public void close() {
        network.close();
        context.close();
    }
}
