package org.hecnn.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hecnn.ckks.TestContexts;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.TestTensors;
import org.hecnn.inference.service.ForeignKeyException;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.serving.client.RemoteInference;
import org.hecnn.serving.proto.EvaluateRequest;
import org.hecnn.serving.proto.InferenceGrpc;
import org.hecnn.serving.proto.KeyChunk;
import org.hecnn.serving.proto.SessionOpened;
import org.junit.jupiter.api.Test;

/** Client and server over loopback gRPC: results, sessions bound to keys, limits, failures, shutdown. */
class ServingTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private static void assertClose(Tensor want, double[] got, String what) {
        assertEquals(want.size(), got.length, what);
        for (int k = 0; k < got.length; k++) {
            assertTrue(Math.abs(got[k] - want.get(k)) <= want.maxAbs() * 0x1p-10, what + " logit " + k + ": " + got[k]
                    + " vs " + want.get(k));
        }
    }

    private static RemoteInference connect(HecnnServer server) {
        return RemoteInference.connect("127.0.0.1:" + server.port(), null, true, TestContexts.backend());
    }

    @Test
    void fourClientsAtOnceEachWithItsOwnKeysGetTheLocalResults() throws Exception {
        try (TestService svc = new TestService(1);
             HecnnServer server = svc.start(0, TestService.limits(8, 2, 16, Duration.ofMinutes(5), Duration.ofSeconds(10)))) {
            Random r = new Random(5);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> clients = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    Tensor[] images = {TestTensors.random(r, 1.0, 3, 8, 8), TestTensors.random(r, 1.0, 3, 8, 8)};
                    clients.add(pool.submit(() -> {
                        try (RemoteInference remote = connect(server)) {
                            assertEquals("mini-resnet", remote.model());
                            assertTrue(remote.openSession() > 0);
                            for (Tensor image : images) {
                                Tensor want = PlainEvaluator.evaluate(svc.model, image);
                                double[] remoteLogits = remote.infer(TestTensors.toArray(image), DEADLINE);
                                assertClose(want, remoteLogits, "remote");
                                // the same image evaluated in this process (local session, own keys)
                                try (InferenceClient local = new InferenceClient(svc.server.description(),
                                        TestContexts.backend())) {
                                    var session = svc.server.open(local.evaluationKeys());
                                    assertClose(want, local.decrypt(session.evaluate(local.encrypt(TestTensors.toArray(
                                            image)), LayerProgress.NONE)), "local");
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : clients) {
                    f.get(5, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(8, server.metrics().requests("ok"));
            assertEquals(0, server.sessions(), "closing a client closes its session");
        }
    }

    @Test
    void refusalsAreTypedAndDisturbNoOtherSession() throws Exception {
        try (TestService svc = new TestService(2);
             HecnnServer server = svc.start(0, TestService.limits(4, 1, 4, Duration.ofMinutes(5), Duration.ofSeconds(10)));
             RemoteInference alice = connect(server)) {
            alice.openSession();
            double[][][] img = TestTensors.toArray(TestTensors.random(new Random(3), 1.0, 3, 8, 8));
            double[] before = alice.infer(img, DEADLINE);
            ManagedChannel raw = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            try {
                var stub = InferenceGrpc.newBlockingStub(raw);
                // a request encrypted under Bob's keys, sent in Alice's session
                String aliceSession = alice.sessionId();
                try (InferenceClient bob = new InferenceClient(ServiceDescription.fromBytes(
                        svc.server.description().toBytes(), true), TestContexts.backend())) {
                    StatusRuntimeException foreign = assertThrows(StatusRuntimeException.class, () -> stub.evaluate(
                            EvaluateRequest.newBuilder().setSessionId(aliceSession)
                                    .setRequest(ByteString.copyFrom(bob.encrypt(img))).build()));
                    assertEquals(Status.Code.PERMISSION_DENIED, foreign.getStatus().getCode());
                    assertTrue(Statuses.toException(foreign, "t") instanceof ForeignKeyException);
                }
                // a malformed frame
                StatusRuntimeException malformed = assertThrows(StatusRuntimeException.class, () -> stub.evaluate(
                        EvaluateRequest.newBuilder().setSessionId(aliceSession)
                                .setRequest(ByteString.copyFromUtf8("not a ciphertext")).build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, malformed.getStatus().getCode());
                assertTrue(malformed.getStatus().getDescription().contains("bad magic"), malformed.getStatus().toString());
                // an unknown session
                StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> stub.evaluate(
                        EvaluateRequest.newBuilder().setSessionId("nope").build()));
                assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
                assertTrue(unknown.getStatus().getDescription().startsWith("session expired"));
                // garbage keys
                StatusRuntimeException garbage = refused(upload(raw, "garbage".getBytes(), 1, false));
                assertEquals(Status.Code.INVALID_ARGUMENT, garbage.getStatus().getCode());
            } finally {
                raw.shutdownNow();
            }
            double[] after = alice.infer(img, DEADLINE);
            assertClose(Tensor.of(before, before.length), after, "Alice's session is undisturbed");
            awaitUntil(() -> server.sessions() == 1
                    && server.keyBytesHeld() == svc.server.keyFootprint().engineBytes());
        }
    }

    @Test
    void anUploadOverTheLimitIsRefusedAndFreed() throws Exception {
        try (TestService svc = new TestService(6);
             HecnnServer server = HecnnServer.start(svc.server, new ServingLimits(4, 1L << 32, 64 << 10,
                     Duration.ofMinutes(5), 1, 2, Duration.ofSeconds(10)), HecnnServer.Endpoint.loopback(0));
             RemoteInference remote = connect(server)) {
            RemoteFailureException big = assertThrows(RemoteFailureException.class, remote::openSession);
            assertEquals(Status.Code.INVALID_ARGUMENT, big.code());
            // refused either as the chunks arrive or when the key index announces more than the limit
            assertTrue(big.getMessage().contains("exceed the 65536") || big.getMessage().contains("the caller's limit"),
                    big.getMessage());
            awaitUntil(() -> server.keyBytesHeld() == 0 && server.sessions() == 0);
        }
    }

    @Test
    void aClientThatBreaksOffMidUploadLeavesNothingBehind() throws Exception {
        try (TestService svc = new TestService(3);
             HecnnServer server = svc.start(0, TestService.limits(2, 1, 2, Duration.ofMinutes(5), Duration.ofSeconds(10)))) {
            ManagedChannel raw = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            try {
                CompletableFuture<SessionOpened> cut = upload(raw, new byte[64 << 10], 3, true);
                assertThrows(Exception.class, () -> cut.get(10, TimeUnit.SECONDS));
            } finally {
                raw.shutdownNow();
            }
            awaitUntil(() -> server.keyBytesHeld() == 0 && server.sessions() == 0);
            // the freed slots take new sessions up to the limit, then overload is typed with a retry hint
            try (RemoteInference a = connect(server); RemoteInference b = connect(server); RemoteInference c = connect(server)) {
                a.openSession();
                b.openSession();
                OverloadedException full = assertThrows(OverloadedException.class, c::openSession);
                assertTrue(full.getMessage().contains("limit of 2 sessions"), full.getMessage());
                assertTrue(full.retryAfter().toMillis() > 0);
            }
        }
    }

    @Test
    void overloadIsRefusedWithARetryHintAndIdleSessionsExpire() throws Exception {
        try (TestService svc = new TestService(4);
             HecnnServer server = svc.start(0, TestService.limits(4, 1, 0, Duration.ofSeconds(2), Duration.ofSeconds(10)));
             RemoteInference remote = connect(server)) {
            remote.openSession();
            double[][][] img = TestTensors.toArray(TestTensors.random(new Random(4), 1.0, 3, 8, 8));
            ExecutorService pool = Executors.newFixedThreadPool(6);
            List<Future<double[]>> burst = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                burst.add(pool.submit(() -> remote.infer(img, DEADLINE)));
            }
            int ok = 0;
            int refused = 0;
            for (Future<double[]> f : burst) {
                try {
                    f.get(2, TimeUnit.MINUTES);
                    ok++;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertTrue(e.getCause() instanceof OverloadedException, String.valueOf(e.getCause()));
                    assertTrue(e.getCause().getMessage().contains("busy"), e.getCause().getMessage());
                    refused++;
                }
            }
            pool.shutdownNow();
            assertEquals(6, ok + refused);
            assertTrue(ok >= 1, "the first request runs");
            assertEquals(refused, server.metrics().requests("overloaded"));
            // health and metrics
            ManagedChannel raw = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            try {
                assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(raw)
                        .check(HealthCheckRequest.newBuilder().setService("hecnn.serving.v1.Inference").build()).getStatus());
            } finally {
                raw.shutdownNow();
            }
            String scraped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(scraped.contains("hecnn_requests_total{outcome=\"ok\"} " + ok), scraped);
            assertTrue(scraped.contains("hecnn_evaluation_seconds_count " + ok), scraped);
            assertTrue(scraped.contains("hecnn_sessions 1"), scraped);
            // the session expires after 2 s idle
            awaitUntil(() -> server.sessions() == 0);
            SessionExpiredException expired = assertThrows(SessionExpiredException.class, () -> remote.infer(img, DEADLINE));
            assertTrue(expired.getMessage().contains("upload keys again"), expired.getMessage());
            remote.openSession();
            remote.infer(img, DEADLINE);
        }
    }

    @Test
    void aServerStoppedDuringRequestsAnswersEachTypedAndTheClientSucceedsAfterARestart() throws Exception {
        try (TestService svc = new TestService(5)) {
            HecnnServer first = svc.start(0, TestService.limits(4, 1, 16, Duration.ofMinutes(5), Duration.ZERO));
            int port = first.port();
            double[][][] img = TestTensors.toArray(TestTensors.random(new Random(6), 1.0, 3, 8, 8));
            try (RemoteInference remote = connect(first)) {
                remote.openSession();
                ExecutorService pool = Executors.newFixedThreadPool(12);
                List<Future<double[]>> inFlight = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    inFlight.add(pool.submit(() -> remote.infer(img, DEADLINE)));
                }
                Thread.sleep(50);
                first.close();
                int answered = 0;
                int unavailable = 0;
                for (Future<double[]> f : inFlight) {
                    try {
                        f.get(2, TimeUnit.MINUTES);
                        answered++;
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertTrue(e.getCause() instanceof ServiceUnavailableException
                                || e.getCause() instanceof RemoteFailureException, String.valueOf(e.getCause()));
                        unavailable++;
                    }
                }
                pool.shutdownNow();
                assertEquals(12, answered + unavailable, "every request gets its response or a typed error");
                try (HecnnServer second = svc.start(port, TestService.limits(4, 1, 16, Duration.ofMinutes(5),
                        Duration.ofSeconds(10)))) {
                    assertThrows(SessionExpiredException.class, () -> remote.infer(img, DEADLINE),
                            "a restarted server holds no session");
                    remote.openSession();
                    assertClose(PlainEvaluator.evaluate(svc.model, Tensor.of(flat(img), 3, 8, 8)),
                            remote.infer(img, DEADLINE), "after the restart");
                }
            }
        }
    }

    @Test
    void theLoadGeneratorLosesNoRequestAndReportsOverload() throws Exception {
        try (TestService svc = new TestService(7);
             HecnnServer server = svc.start(0, TestService.limits(8, 1, 0, Duration.ofMinutes(5), Duration.ofSeconds(10)))) {
            Random r = new Random(8);
            List<double[]> images = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                images.add(TestTensors.random(r, 1.0, 3, 8, 8).toArray());
            }
            var report = new org.hecnn.serving.client.LoadGenerator("127.0.0.1:" + server.port(), null, true,
                    TestContexts.backend(), DEADLINE).run(4, 3, 0, images::get);
            assertEquals(1, report.imagesPerRequest(), "the packed layout's capacity");
            assertEquals(12, report.answered(), report.failures().toString());
            assertEquals(0, report.lost());
            assertEquals(report.overloadRefusals(), server.metrics().requests("overloaded"));
            assertEquals(12, server.metrics().requests("ok"));
            assertTrue(report.p99Seconds() >= report.p50Seconds() && report.keyUploadBytes() > 0, report.toString());
        }
    }

    @Test
    void overTlsTheClientTrustingTheCertificateGetsResultsAndOneTrustingNothingIsRefused() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("hecnn-tls");
        try (TestService svc = new TestService(9)) {
            java.nio.file.Path cert = dir.resolve("server1.pem");
            java.nio.file.Path key = dir.resolve("server1.key");
            java.nio.file.Path ca = dir.resolve("ca.pem");
            for (String[] f : new String[][] {{"server1.pem", cert.toString()}, {"server1.key", key.toString()},
                    {"ca.pem", ca.toString()}}) {
                try (var in = io.grpc.testing.TlsTesting.loadCert(f[0])) {
                    java.nio.file.Files.copy(in, java.nio.file.Path.of(f[1]));
                }
            }
            try (HecnnServer server = HecnnServer.start(svc.server, TestService.limits(4, 1, 4, Duration.ofMinutes(5),
                    Duration.ofSeconds(10)), new HecnnServer.Endpoint("127.0.0.1", 0, -1, cert, key))) {
                // the test certificate is issued to *.test.google.fr: reach loopback under that name
                String target = "dns:///localhost:" + server.port();
                io.grpc.ChannelCredentials trusted = io.grpc.TlsChannelCredentials.newBuilder().trustManager(ca.toFile())
                        .build();
                ManagedChannel tls = io.grpc.Grpc.newChannelBuilder(target, trusted)
                        .overrideAuthority("foo.test.google.fr").build();
                try {
                    assertEquals("mini-resnet", InferenceGrpc.newBlockingStub(tls)
                            .describe(org.hecnn.serving.proto.DescribeRequest.getDefaultInstance()).getModel());
                } finally {
                    tls.shutdownNow();
                }
                ServiceUnavailableException plain = assertThrows(ServiceUnavailableException.class,
                        () -> RemoteInference.connect("127.0.0.1:" + server.port(), null, true, TestContexts.backend()),
                        "a plain-text client cannot talk to a TLS server");
                assertTrue(plain.getMessage().contains("unavailable"), plain.getMessage());
            }
        } finally {
            try (var files = java.nio.file.Files.list(dir)) {
                files.forEach(p -> p.toFile().delete());
            }
            dir.toFile().delete();
        }
    }

    private static double[] flat(double[][][] img) {
        return java.util.Arrays.stream(img).flatMap(java.util.Arrays::stream).flatMapToDouble(java.util.Arrays::stream)
                .toArray();
    }

    private static StatusRuntimeException refused(CompletableFuture<SessionOpened> upload) {
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> upload.get(60, TimeUnit.SECONDS));
        return (StatusRuntimeException) e.getCause();
    }

    /** Streams {@code chunks} copies of {@code chunk} as a key upload; optionally cancels before completing. */
    private static CompletableFuture<SessionOpened> upload(ManagedChannel channel, byte[] chunk, int chunks, boolean cancel) {
        CompletableFuture<SessionOpened> done = new CompletableFuture<>();
        var call = (io.grpc.stub.ClientCallStreamObserver<KeyChunk>) InferenceGrpc.newStub(channel).openSession(
                new StreamObserver<>() {
                    @Override
                    public void onNext(SessionOpened value) {
                        done.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        for (int i = 0; i < chunks && !done.isDone(); i++) {
            call.onNext(KeyChunk.newBuilder().setData(ByteString.copyFrom(chunk)).build());
        }
        if (cancel) {
            call.cancel("test: client breaks off", null);
        } else {
            call.onCompleted();
        }
        return done;
    }

    private static void awaitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within 15 s");
            }
            Thread.sleep(20);
        }
    }
}
