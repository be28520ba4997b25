package org.hecnn.serving;

import java.time.Duration;
import java.util.Random;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksParameters;
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
import org.hecnn.inference.HeNetwork;
import org.hecnn.inference.PlaintextBank;
import org.hecnn.inference.PrecisionTargets;
import org.hecnn.inference.service.InferenceServer;

/** A small residual network compiled at insecure test-only parameters, served on loopback. */
final class TestService implements AutoCloseable {
    static final PrecisionTargets TARGETS = new PrecisionTargets(25, 17, 8);

    final Model model;
    final CkksContext context;
    final HeNetwork network;
    final InferenceServer server;

    TestService(long seed) {
        Random r = new Random(seed);
        model = miniResNet(r);
        context = TestContexts.context(parameters());
        network = new HeNetwork(model, context, TARGETS, PlaintextBank.Mode.COEFFICIENTS);
        server = new InferenceServer(network);
    }

    HecnnServer start(int port, ServingLimits limits) {
        return HecnnServer.start(server, limits, HecnnServer.Endpoint.loopback(port));
    }

    static ServingLimits limits(int maxSessions, int workers, int queue, Duration idle, Duration grace) {
        return new ServingLimits(maxSessions, 1L << 32, 0, idle, workers, queue, grace);
    }

    static CkksParameters parameters() {
        return CkksParameters.builder().logN(11).dataPrimeBits(TARGETS.outputPrimeBits(), 59, 59, 59)
                .specialPrimeBits(61, 61, 61).dnum(2).scaleBits(TARGETS.scaleBits()).allowInsecureForTestsOnly().build();
    }

    static Tensor random(Random r, double scale, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (r.nextDouble() * 2 - 1) * scale;
        }
        return Tensor.of(v, dims);
    }

    static double[][][] image(Tensor t) {
        double[][][] a = new double[t.dim(0)][t.dim(1)][t.dim(2)];
        for (int c = 0; c < a.length; c++) {
            for (int y = 0; y < a[0].length; y++) {
                for (int x = 0; x < a[0][0].length; x++) {
                    a[c][y][x] = t.get((c * a[0].length + y) * a[0][0].length + x);
                }
            }
        }
        return a;
    }

    /** conv-act, a stride-2 block with an option-A shortcut, act, global pool, linear: 5 logits. */
    private static Model miniResNet(Random r) {
        Model.Builder b = Model.builder("serving-test-resnet").input("x", Shape.map(3, 8, 8));
        Polynomial act = Polynomial.of(0.19, 0.5, 1.0);
        b.add("conv1", Conv2d.of(random(r, 0.3, 4, 3, 3, 3), random(r, 0.1, 4), 1, 1), "x");
        b.add("act1", act, "conv1");
        b.add("conv2", Conv2d.of(random(r, 0.15, 8, 4, 3, 3), random(r, 0.1, 8), 2, 1), "act1");
        b.add("act2", act, "conv2");
        b.add("conv3", Conv2d.of(random(r, 0.1, 8, 8, 3, 3), random(r, 0.1, 8), 1, 1), "act2");
        b.add("short", ShortcutA.of(4, 8), "act1");
        b.add("sum", new Add(), "conv3", "short");
        b.add("act3", act, "sum");
        b.add("pool", new GlobalAvgPool(1.0), "act3");
        b.add("flat", new Flatten(), "pool");
        b.add("fc", new Linear(random(r, 0.05, 5, 8), random(r, 0.1, 5)), "flat");
        return b.output("fc").build();
    }

    @Override
    public void close() {
        network.close();
        context.close();
    }
}
