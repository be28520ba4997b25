package org.hecnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskEndReason;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.hecnn.backend.Backends;
import org.hecnn.cli.BatchFiles;
import org.hecnn.cli.CompiledModel;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.inference.batched.BatchedNetwork;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch job in Spark's local mode with two task threads (local[2,3]: a task may be tried three times), on the
 * tiny chain model (batched layout, the smallest secure ring N = 2^13): two clients encrypt with the `hecnn`
 * commands, the job evaluates, the clients decrypt with `hecnn requests decrypt`. The expected responses are those
 * of an {@link InferenceServer} in this test evaluating the same request files with the same key files: evaluation
 * is deterministic, so the job's responses must be byte-identical to them and the decrypted logits bit-identical.
 */
class BatchJobTest {
    @TempDir
    static Path dir;

    static SparkSession spark;
    static Path images;
    static Path description;
    static Path batch;
    static Path clientA;
    static Path clientB;
    static String sessionA;
    static String sessionB;
    /** requests/SESSION/ID.hct → the response a local server gives it */
    static final Map<String, byte[]> expected = new HashMap<>();
    static int requests;

    @BeforeAll
    static void encryptAndEvaluateLocally() throws Exception {
        images = BatchFixture.writeImages(dir);
        description = BatchFixture.describe(dir, "tiny.desc");
        batch = dir.resolve("batch");
        clientA = dir.resolve("client-a");
        clientB = dir.resolve("client-b");
        BatchFixture.encrypt(description, images, clientA, batch, 0, 10, 3); // 4 requests: 3+3+3+1
        sessionA = BatchFixture.newSession(batch, List.of());
        BatchFixture.encrypt(description, images, clientB, batch, 10, 6, 2); // 3 requests
        sessionB = BatchFixture.newSession(batch, List.of(sessionA));
        requests = 7;

        ServiceDescription d = ServiceDescription.fromBytes(Files.readAllBytes(description), false);
        try (EncryptedNetwork network = CompiledModel.compile(BatchFixture.MODEL, List.of("--backend", "cpu"),
                d.capacity(), true)) {
            InferenceServer server = new InferenceServer(network);
            for (String session : List.of(sessionA, sessionB)) {
                try (InferenceServer.Session s = server.open(Files.readAllBytes(batch.resolve(
                        BatchFiles.keyFile(session))))) {
                    for (String f : BatchFixture.files(batch.resolve(BatchFiles.REQUESTS).resolve(session))) {
                        String rel = BatchFiles.REQUESTS + "/" + session + "/" + f;
                        expected.put(rel, s.evaluate(Files.readAllBytes(batch.resolve(rel)), LayerProgress.NONE));
                    }
                }
            }
        }
        assertEquals(requests, expected.size());
        spark = SparkSession.builder().master("local[2,3]").appName("hecnn batch test")
                .config("spark.ui.enabled", "false")
                .config("spark.local.dir", dir.resolve("spark-local").toString())
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        ExecutorRuntime.reset();
    }

    static BatchJob.Options options(Path batchDir, Path out, int perTask, int together, boolean failFast,
                                    boolean failFirstAttempt, String... modelOptions) {
        List<String> opts = new ArrayList<>(List.of("--backend", "cpu"));
        opts.addAll(List.of(modelOptions));
        return new BatchJob.Options(batchDir.toString(), BatchFixture.MODEL.toString(), out.toString(), opts, together,
                perTask, 2, failFast, failFirstAttempt);
    }

    /** Exactly the responses of the local server, one per request, and nothing else in responses/. */
    static void assertOneExpectedResponsePerRequest(Path out) throws IOException {
        List<String> want = new ArrayList<>();
        for (String rel : expected.keySet()) {
            want.add(rel.replaceFirst("^" + BatchFiles.REQUESTS + "/", ""));
        }
        want.sort(null);
        assertEquals(want, BatchFixture.files(out.resolve(BatchFiles.RESPONSES)));
        for (Map.Entry<String, byte[]> e : expected.entrySet()) {
            String rel = BatchFiles.RESPONSES + e.getKey().substring(BatchFiles.REQUESTS.length());
            assertArrayEquals(e.getValue(), Files.readAllBytes(out.resolve(rel)), rel);
        }
        assertFalse(Files.exists(out.resolve("_temporary")), "temporary files removed");
    }

    @Test
    void encryptJobDecryptEqualsLocalEvaluation() throws Exception {
        ExecutorRuntime.reset();
        Path out = dir.resolve("out-e2e");
        BatchJob.Summary s = BatchJob.run(spark, options(batch, out, 1, 1, false, false));
        assertEquals(requests, s.evaluated(), s.toJson());
        assertEquals(0, s.failed(), s.toJson());
        assertEquals(requests, s.tasks());
        assertOneExpectedResponsePerRequest(out);
        // one executor (local mode): the model compiled once and each session's keys read once, for 7 tasks
        assertEquals(1, s.executors().size(), s.toJson());
        Map<String, Object> executor = s.executors().values().iterator().next();
        assertEquals(1, executor.get("compilations"), s.toJson());
        assertEquals(2, executor.get("keyLoads"), s.toJson());
        assertTrue(Files.readString(out.resolve(BatchFiles.SUMMARY)).contains("\"evaluated\":7"));

        // the clients decrypt: bit-identical to decrypting the local server's responses, and the plaintext model's
        // logits within the batched layout's derived error bound
        ServiceDescription d = ServiceDescription.fromBytes(Files.readAllBytes(description), false);
        Model plain = OnnxImporter.load(BatchFixture.MODEL);
        double bound;
        try (EncryptedNetwork n = CompiledModel.compile(BatchFixture.MODEL, List.of("--backend", "cpu"), d.capacity(),
                true)) {
            bound = ((BatchedNetwork) n).plan().errorBound(n.context().parameters());
        }
        int checked = 0;
        for (Path client : List.of(clientA, clientB)) {
            Path csv = dir.resolve(client.getFileName() + ".csv");
            BatchFixture.ok("requests", "decrypt", "--client", client.toString(), "--responses", out.toString(),
                    "--out", csv.toString(), "--backend", "cpu");
            List<String> lines = Files.readAllLines(csv);
            Files.copy(csv, Path.of(System.getProperty("java.io.tmpdir"), "last-" + csv.getFileName()),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertTrue(lines.get(0).startsWith("request,image,label,predicted,logit_0"), lines.get(0));
            String session = client == clientA ? sessionA : sessionB;
            try (InferenceClient c = InferenceClient.withStoredSecretKey(d, Backends.select("cpu"),
                    Files.readAllBytes(client.resolve(BatchFiles.SECRET_KEY)))) {
                Map<String, double[][]> local = new HashMap<>();
                for (String line : lines.subList(1, lines.size())) {
                    String[] f = line.split(",");
                    String id = f[0];
                    int image = Integer.parseInt(f[1]);
                    double[][] logits = local.computeIfAbsent(id, k -> null);
                    if (logits == null) {
                        byte[] response = expected.get(BatchFiles.requestFile(session, id));
                        int count = (int) lines.stream().filter(l -> l.startsWith(id + ",")).count();
                        logits = c.decrypt(response, count);
                        local.put(id, logits);
                    }
                    int j = (int) lines.stream().filter(l -> l.startsWith(id + ",")).takeWhile(l -> !l.equals(line))
                            .count();
                    double[] want = PlainEvaluator.evaluate(plain, Tensor.of(BatchFixture.input(images, image),
                            plain.inputShape().dims())).toArray();
                    int plainClass = argMax(want);
                    double[] sorted = want.clone();
                    java.util.Arrays.sort(sorted);
                    if (sorted[sorted.length - 1] - sorted[sorted.length - 2] > 2 * bound) {
                        assertEquals(plainClass, Integer.parseInt(f[3]), "class of image " + image);
                    }
                    for (int k = 0; k < want.length; k++) {
                        double got = Double.parseDouble(f[4 + k]);
                        assertEquals(Double.doubleToLongBits(logits[j][k]), Double.doubleToLongBits(got),
                                "bit-identical logit " + k + " of image " + image);
                        assertTrue(Math.abs(got - want[k]) <= bound, "image " + image + " logit " + k + ": " + got
                                + " vs plaintext " + want[k] + ", bound " + bound);
                    }
                    checked++;
                }
            }
        }
        assertEquals(16, checked, "10 images of client A and 6 of client B");
    }

    @Test
    void aFailedTaskIsRetriedAndLeavesExactlyOneResponsePerRequest() throws Exception {
        Path out = dir.resolve("out-retry");
        AtomicInteger failedAttempts = new AtomicInteger();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                TaskEndReason reason = end.reason();
                if (reason instanceof org.apache.spark.ExceptionFailure f
                        && f.toErrorString().contains("test-only failure")) {
                    failedAttempts.incrementAndGet();
                }
            }
        };
        spark.sparkContext().listenerBus().waitUntilEmpty(); // nothing of an earlier test's jobs
        spark.sparkContext().addSparkListener(listener);
        BatchJob.Summary s;
        try {
            s = BatchJob.run(spark, options(batch, out, 2, 1, false, true));
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
        // 4 tasks (sessions of 4 and 3 requests, 2 per task): each first attempt wrote one response and died
        assertEquals(4, s.tasks(), s.toJson());
        assertEquals(4, failedAttempts.get(), "every first attempt failed");
        assertEquals(4, s.answeredBefore(), "the retries found the responses their failed attempts had written");
        assertEquals(requests - 4, s.evaluated(), s.toJson());
        assertEquals(0, s.failed(), s.toJson());
        assertOneExpectedResponsePerRequest(out);

        // a rerun of the finished job evaluates nothing and changes nothing
        BatchJob.Summary again = BatchJob.run(spark, options(batch, out, 2, 1, false, false));
        assertEquals(requests, again.answeredBefore(), again.toJson());
        assertEquals(0, again.evaluated());
        assertOneExpectedResponsePerRequest(out);
    }

    @Test
    void corruptRequestsAndForeignKeysAreTypedErrorsNamingTheFileAndTheRestIsAnswered() throws Exception {
        Path bad = dir.resolve("batch-bad");
        BatchFixture.copyTree(batch, bad);
        Path requestsA = bad.resolve(BatchFiles.REQUESTS).resolve(sessionA);
        byte[] good = Files.readAllBytes(requestsA.resolve("000000.hct"));
        Path truncated = requestsA.resolve("900000.hct");
        Files.write(truncated, java.util.Arrays.copyOf(good, good.length / 2));
        Path garbage = requestsA.resolve("900001.hct");
        Files.write(garbage, "not a request".getBytes());
        Path foreign = bad.resolve(BatchFiles.REQUESTS).resolve(sessionB).resolve("900002.hct");
        Files.write(foreign, good); // client A's request in client B's session
        // a client of another parameter set (N = 2^14: 8192 images per request) ships its keys and a request
        Path otherDescription = BatchFixture.describe(dir, "tiny-n14.desc", "--images-per-request", "5000");
        Path otherBatch = dir.resolve("batch-n14");
        BatchFixture.encrypt(otherDescription, images, dir.resolve("client-c"), otherBatch, 0, 2, 2);
        String sessionC = BatchFixture.newSession(otherBatch, List.of());
        Files.createDirectories(bad.resolve(BatchFiles.REQUESTS).resolve(sessionC));
        Files.copy(otherBatch.resolve(BatchFiles.requestFile(sessionC, "000000")),
                bad.resolve(BatchFiles.requestFile(sessionC, "000000")));
        Path otherKeys = bad.resolve(BatchFiles.keyFile(sessionC));
        Files.copy(otherBatch.resolve(BatchFiles.keyFile(sessionC)), otherKeys);
        // a client whose key file was cut short
        Path batchD = dir.resolve("batch-d");
        BatchFixture.encrypt(description, images, dir.resolve("client-d"), batchD, 0, 2, 2);
        String sessionD = BatchFixture.newSession(batchD, List.of());
        Files.createDirectories(bad.resolve(BatchFiles.REQUESTS).resolve(sessionD));
        Files.copy(batchD.resolve(BatchFiles.requestFile(sessionD, "000000")),
                bad.resolve(BatchFiles.requestFile(sessionD, "000000")));
        byte[] keysD = Files.readAllBytes(batchD.resolve(BatchFiles.keyFile(sessionD)));
        Path cutKeys = bad.resolve(BatchFiles.keyFile(sessionD));
        Files.write(cutKeys, java.util.Arrays.copyOf(keysD, keysD.length - 1000));

        Path out = dir.resolve("out-bad");
        BatchJob.Summary s = BatchJob.run(spark, options(bad, out, 2, 2, false, false));
        assertEquals(requests + 5, s.requests(), s.toJson());
        assertEquals(requests, s.evaluated(), s.toJson());
        assertEquals(5, s.failed(), s.toJson());
        Map<String, String> errors = new HashMap<>();
        for (String f : BatchFixture.files(out.resolve(BatchFiles.ERRORS))) {
            errors.put(f, Files.readString(out.resolve(BatchFiles.ERRORS).resolve(f)));
        }
        assertEquals(5, errors.size(), errors.toString());
        assertError(errors, sessionA + "/900000.txt", "CORRUPT_REQUEST", truncated);
        assertError(errors, sessionA + "/900001.txt", "CORRUPT_REQUEST", garbage);
        assertError(errors, sessionB + "/900002.txt", "FOREIGN_KEY", foreign);
        assertError(errors, sessionC + "/000000.txt", "OTHER_PARAMETERS", otherKeys);
        assertError(errors, sessionD + "/000000.txt", "CORRUPT_KEYS", cutKeys);
        // the good requests all have their responses, as if the bad ones were not there
        for (Map.Entry<String, byte[]> e : expected.entrySet()) {
            String rel = BatchFiles.RESPONSES + e.getKey().substring(BatchFiles.REQUESTS.length());
            assertArrayEquals(e.getValue(), Files.readAllBytes(out.resolve(rel)), rel);
        }
        assertEquals(requests, BatchFixture.files(out.resolve(BatchFiles.RESPONSES)).size());

        // --fail-fast: the job stops with the typed error
        BatchInputException stop = assertThrows(BatchInputException.class,
                () -> BatchJob.run(spark, options(bad, dir.resolve("out-fail-fast"), 2, 2, true, false)));
        assertTrue(stop.getMessage().contains(bad.getFileName().toString()), stop.getMessage());
    }

    private static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            best = v[i] > v[best] ? i : best;
        }
        return best;
    }

    private static void assertError(Map<String, String> errors, String file, String kind, Path named) {
        String text = errors.get(file);
        assertTrue(text != null, file + " in " + errors.keySet());
        assertTrue(text.startsWith(kind + " "), text);
        assertTrue(text.contains(named.toAbsolutePath().toString()), "names " + named + ": " + text);
    }

    @Test
    void aModelThatDoesNotCompileToTheBatchDescriptionStopsTheJobBeforeItStarts() {
        ServiceMismatchException e = assertThrows(ServiceMismatchException.class, () -> BatchJob.run(spark,
                options(batch, dir.resolve("out-mismatch"), 1, 1, false, false, "--scale-bits", "30")));
        assertTrue(e.getMessage().contains("does not compile to the service"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("out-mismatch").resolve(BatchFiles.RESPONSES)));
    }
}
