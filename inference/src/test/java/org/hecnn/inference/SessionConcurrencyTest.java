package org.hecnn.inference;

import org.hecnn.inference.packed.HeNetwork;
import org.hecnn.inference.packed.PlaintextBank;
import org.hecnn.inference.packed.PrecisionTargets;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.TestContexts;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.service.ForeignKeyException;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many sessions at once and many requests in one session, on the plaintext modes that keep or rebuild converted
 * plaintexts (the ones whose shared reuse cache once failed with ConcurrentModificationException), and requests bound
 * to the keys of their session.
 */
class SessionConcurrencyTest {
    private static final int CLIENTS = 4;
    private static final int ROUNDS = 6;

    @ParameterizedTest
    @EnumSource(value = PlaintextBank.Mode.class, names = {"COEFFICIENTS", "ON_DEMAND", "NTT"})
    void lockstepAndSingleEvaluationsInManySessionsAtOnceGiveTheSequentialBytes(PlaintextBank.Mode mode)
            throws Exception {
        Random r = new Random(11);
        Model model = TestTensors.miniResNet(r);
        PrecisionTargets t = new PrecisionTargets(25, 17, 8);
        try (CkksContext ctx = TestContexts.context(TestTensors.smallParameters(t));
             HeNetwork net = new HeNetwork(model, ctx, t, mode)) {
            InferenceServer server = new InferenceServer(TestNetworks.packed(net, 1));
            ServiceDescription seen = ServiceDescription.fromBytes(server.description().toBytes(), true);
            List<InferenceClient> clients = new ArrayList<>();
            List<InferenceServer.Session> sessions = new ArrayList<>();
            List<byte[][]> requests = new ArrayList<>();
            List<Tensor[]> images = new ArrayList<>();
            try {
                for (int c = 0; c < CLIENTS; c++) {
                    InferenceClient client = new InferenceClient(seen, TestContexts.backend());
                    clients.add(client);
                    sessions.add(server.open(client.evaluationKeys()));
                    Tensor[] imgs = {TestTensors.random(r, 1.0, 3, 8, 8), TestTensors.random(r, 1.0, 3, 8, 8)};
                    images.add(imgs);
                    requests.add(new byte[][] {client.encrypt(TestTensors.toArray(imgs[0])),
                            client.encrypt(TestTensors.toArray(imgs[1]))});
                }
                // sequential references: each session alone, single and lockstep
                List<byte[]> single = new ArrayList<>();
                List<List<byte[]>> lockstep = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    single.add(sessions.get(c).evaluate(requests.get(c)[0], LayerProgress.NONE));
                    lockstep.add(sessions.get(c).evaluateTogether(List.of(requests.get(c)), LayerProgress.NONE));
                    assertArrayEquals(single.get(c), lockstep.get(c).get(0), "lockstep = single, alone");
                    for (int m = 0; m < 2; m++) {
                        Tensor want = PlainEvaluator.evaluate(model, images.get(c)[m]);
                        double[] got = clients.get(c).decrypt(lockstep.get(c).get(m));
                        for (int k = 0; k < got.length; k++) {
                            assertTrue(Math.abs(got[k] - want.get(k)) <= want.maxAbs() * 0x1p-10, "client " + c);
                        }
                    }
                }
                // the same work from 2 threads per session at once: one lockstep, one single, in every session
                ExecutorService pool = Executors.newFixedThreadPool(2 * CLIENTS);
                try {
                    List<Future<?>> running = new ArrayList<>();
                    for (int c = 0; c < CLIENTS; c++) {
                        int client = c;
                        running.add(pool.submit((Callable<Void>) () -> {
                            for (int i = 0; i < ROUNDS; i++) {
                                List<byte[]> got = sessions.get(client).evaluateTogether(List.of(requests.get(client)),
                                        LayerProgress.NONE);
                                assertArrayEquals(lockstep.get(client).get(0), got.get(0), "lockstep, client " + client);
                                assertArrayEquals(lockstep.get(client).get(1), got.get(1), "lockstep, client " + client);
                            }
                            return null;
                        }));
                        running.add(pool.submit((Callable<Void>) () -> {
                            for (int i = 0; i < ROUNDS; i++) {
                                assertArrayEquals(single.get(client), sessions.get(client).evaluate(
                                        requests.get(client)[0], LayerProgress.NONE), "single, client " + client);
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : running) {
                        f.get();
                    }
                } finally {
                    pool.shutdownNow();
                }
            } finally {
                clients.forEach(InferenceClient::close);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = PlaintextBank.Mode.class, names = {"COEFFICIENTS"})
    void aRequestUnderAnotherSessionsKeysIsRefusedAndDisturbsNothing(PlaintextBank.Mode mode) {
        Random r = new Random(12);
        Model model = TestTensors.miniResNet(r);
        PrecisionTargets t = new PrecisionTargets(25, 17, 8);
        try (CkksContext ctx = TestContexts.context(TestTensors.smallParameters(t));
             HeNetwork net = new HeNetwork(model, ctx, t, mode)) {
            InferenceServer server = new InferenceServer(TestNetworks.packed(net, 1));
            ServiceDescription seen = ServiceDescription.fromBytes(server.description().toBytes(), true);
            try (InferenceClient alice = new InferenceClient(seen, TestContexts.backend());
                 InferenceClient bob = new InferenceClient(seen, TestContexts.backend())) {
                assertTrue(!alice.fingerprint().equals(bob.fingerprint()), "two clients, two key sets");
                InferenceServer.Session aliceSession = server.open(alice.evaluationKeys());
                InferenceServer.Session bobSession = server.open(bob.evaluationKeys());
                double[][][] img = TestTensors.toArray(TestTensors.random(r, 1.0, 3, 8, 8));
                byte[] fromBob = bob.encrypt(img);
                ForeignKeyException refused = assertThrows(ForeignKeyException.class,
                        () -> aliceSession.evaluate(fromBob, LayerProgress.NONE));
                assertTrue(refused.getMessage().startsWith("request refused: it was encrypted under key set "
                        + bob.fingerprint().shortHex()), refused.getMessage());
                assertThrows(ForeignKeyException.class,
                        () -> aliceSession.evaluateTogether(List.of(alice.encrypt(img), fromBob), LayerProgress.NONE));
                // Bob's own session still answers, and only Bob can read the answer
                byte[] response = bobSession.evaluate(fromBob, LayerProgress.NONE);
                assertThrows(ForeignKeyException.class, () -> alice.decrypt(response));
                double[] logits = bob.decrypt(response);
                assertArrayEquals(logits, bob.decrypt(bobSession.evaluate(fromBob, LayerProgress.NONE)));
                assertEquals(response.length, aliceSession.evaluate(alice.encrypt(img), LayerProgress.NONE).length,
                        "Alice's session is undisturbed");
            }
        }
    }
}
