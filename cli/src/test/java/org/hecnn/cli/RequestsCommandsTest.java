package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.inference.batched.BatchedNetwork;
import org.hecnn.inference.service.InferenceServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's side of a batch job: `describe`, `requests encrypt` and `requests decrypt` on the tiny chain model
 * (spark/fixtures/export_tiny_chain.py; batched layout on N = 2^13). The evaluating side is played here by an
 * {@link InferenceServer} that reads the batch directory's files and writes responses where the Spark job writes
 * them (the job itself is tested in module spark).
 */
class RequestsCommandsTest {
    static final Path MODEL = Path.of("src/test/resources/tiny_chain.onnx");

    static Path writeImages(Path dir, int count) throws IOException {
        Random r = new Random(7);
        Path images = dir.resolve("t10k-images-idx3-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(images))) {
            out.writeInt(0x803);
            out.writeInt(count);
            out.writeInt(4);
            out.writeInt(4);
            for (int i = 0; i < count * 16; i++) {
                out.writeByte(r.nextInt(256));
            }
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(
                "t10k-labels-idx1-ubyte")))) {
            out.writeInt(0x801);
            out.writeInt(count);
            for (int i = 0; i < count; i++) {
                out.writeByte(i % 4);
            }
        }
        return images;
    }

    /** Plays the job: evaluates every request of the batch that has no response yet, except those in {@code skip}. */
    static void evaluate(Path description, Path batch, Path out, Set<String> skip) throws IOException {
        ServiceDescription d = ServiceDescription.fromBytes(Files.readAllBytes(description), false);
        try (EncryptedNetwork network = CompiledModel.compile(MODEL, List.of("--backend", "cpu"), d.capacity(), true)) {
            InferenceServer server = new InferenceServer(network);
            try (Stream<Path> sessions = Files.list(batch.resolve(BatchFiles.REQUESTS))) {
                for (Path sd : sessions.toList()) {
                    String session = sd.getFileName().toString();
                    try (InferenceServer.Session s = server.open(Files.readAllBytes(batch.resolve(
                            BatchFiles.keyFile(session)))); Stream<Path> requests = Files.list(sd)) {
                        for (Path r : requests.toList()) {
                            String id = r.getFileName().toString().replace(BatchFiles.MESSAGE_SUFFIX, "");
                            Path target = out.resolve(BatchFiles.responseFile(session, id));
                            if (skip.contains(id) || Files.exists(target)) {
                                continue;
                            }
                            Files.createDirectories(target.getParent());
                            Files.write(target, s.evaluate(Files.readAllBytes(r), LayerProgress.NONE));
                        }
                    }
                }
            }
        }
    }

    @Test
    void describeEncryptDecryptGivesThePlaintextModelsPredictions(@TempDir Path dir) throws IOException {
        Path images = writeImages(dir, 9);
        Path desc = dir.resolve("tiny.desc");
        String described = CliRun.ok("describe", "--model", MODEL.toString(), "--backend", "cpu", "--out",
                desc.toString(), "--json");
        assertTrue(described.contains("\"layout\":\"batched\"") && described.contains("\"imagesPerRequest\":4096")
                && described.contains("\"logN\":13"), described);
        Path client = dir.resolve("client");
        Path batch = dir.resolve("batch");
        String enc = CliRun.ok("requests", "encrypt", "--description", desc.toString(), "--data", images.toString(),
                "--count", "5", "--batch", "2", "--client", client.toString(), "--out", batch.toString(), "--backend",
                "cpu", "--json");
        assertTrue(enc.contains("\"requests\":3") && enc.contains("\"images\":5"), enc);
        String session = enc.replaceAll("(?s).*\"session\":\"([0-9a-f]{64})\".*", "$1");

        // the secret key stays in the client directory, readable by its owner only; nothing secret is shipped
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(client.resolve(
                BatchFiles.SECRET_KEY))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(client)));
        List<String> shipped = files(batch);
        assertEquals(List.of(BatchFiles.keyFile(session), BatchFiles.requestFile(session, "000000"),
                BatchFiles.requestFile(session, "000001"), BatchFiles.requestFile(session, "000002"),
                BatchFiles.DESCRIPTION), shipped);
        assertTrue(Files.readString(client.resolve(BatchFiles.INDEX)).contains("000002\t" + session));

        // a second run with the same client directory: the same session and key file, the ids go on
        String more = CliRun.ok("requests", "encrypt", "--description", desc.toString(), "--data", images.toString(),
                "--from", "5", "--count", "4", "--client", client.toString(), "--out", batch.toString(), "--backend",
                "cpu", "--json");
        assertTrue(more.contains("\"session\":\"" + session + "\"") && more.contains("\"firstRequest\":\"000003\"")
                && more.contains("\"imagesPerRequest\":4096") && more.contains("\"requests\":1"), more);
        assertEquals(1, files(batch.resolve(BatchFiles.KEYS)).size());

        Path out = dir.resolve("job-out");
        evaluate(desc, batch, out, Set.of("000001"));
        Files.createDirectories(out.resolve(BatchFiles.ERRORS).resolve(session));
        Files.writeString(out.resolve(BatchFiles.errorFile(session, "000001")), "CORRUPT_REQUEST x: broken\n");
        Path csv = dir.resolve("predictions.csv");
        CliRun.Result partial = CliRun.run("requests", "decrypt", "--client", client.toString(), "--responses",
                out.toString(), "--out", csv.toString(), "--backend", "cpu");
        assertEquals(DecryptResponsesCommand.INCOMPLETE, partial.code(), partial.err());
        assertTrue(partial.err().contains("1 of 4 requests have no prediction")
                && partial.err().contains("request 000001: the job failed it: CORRUPT_REQUEST x: broken"),
                partial.err());
        assertEquals(1 + 7, Files.readAllLines(csv).size(), "the 7 images of the answered requests");

        evaluate(desc, batch, out, Set.of());
        String summary = CliRun.ok("requests", "decrypt", "--client", client.toString(), "--responses",
                out.toString(), "--out", csv.toString(), "--backend", "cpu", "--json");
        assertTrue(summary.contains("\"images\":9") && summary.contains("\"answered\":4"), summary);
        Model plain = OnnxImporter.load(MODEL);
        MnistIdx data = MnistIdx.load(images);
        double bound;
        ServiceDescription d = ServiceDescription.fromBytes(Files.readAllBytes(desc), false);
        try (EncryptedNetwork n = CompiledModel.compile(MODEL, List.of("--backend", "cpu"), d.capacity(), false)) {
            bound = ((BatchedNetwork) n).plan().errorBound(n.context().parameters());
        }
        List<String> lines = Files.readAllLines(csv);
        assertEquals("request,image,label,predicted,logit_0,logit_1,logit_2,logit_3", lines.get(0));
        for (int i = 0; i < 9; i++) {
            String[] f = lines.get(1 + i).split(",");
            assertEquals(i, Integer.parseInt(f[1]));
            assertEquals(data.label(i), Integer.parseInt(f[2]));
            double[] want = PlainEvaluator.evaluate(plain, Tensor.of(data.image(i), plain.inputShape().dims()))
                    .toArray();
            for (int k = 0; k < 4; k++) {
                assertTrue(Math.abs(Double.parseDouble(f[4 + k]) - want[k]) <= bound, lines.get(1 + i));
            }
            assertEquals(InferCommand.argMax(want), Integer.parseInt(f[3]), lines.get(1 + i));
        }

        Path json = dir.resolve("predictions.json");
        CliRun.ok("requests", "decrypt", "--client", client.toString(), "--responses", out.toString(), "--out",
                json.toString(), "--backend", "cpu");
        String text = Files.readString(json);
        assertTrue(text.startsWith("{\"predictions\":[") && text.contains("\"image\":8,") && text.endsWith(
                "\"unanswered\":[]}\n"), text);
    }

    @Test
    void aClientDirectoryServesOneServiceAndBadFilesAreTypedErrors(@TempDir Path dir) throws IOException {
        Path images = writeImages(dir, 3);
        Path desc = dir.resolve("a.desc");
        CliRun.ok("describe", "--model", MODEL.toString(), "--backend", "cpu", "--out", desc.toString());
        Path other = dir.resolve("b.desc");
        CliRun.ok("describe", "--model", MODEL.toString(), "--backend", "cpu", "--images-per-request", "5000",
                "--out", other.toString());
        Path client = dir.resolve("client");
        CliRun.ok("requests", "encrypt", "--description", desc.toString(), "--data", images.toString(), "--client",
                client.toString(), "--out", dir.resolve("batch").toString(), "--backend", "cpu");
        String err = CliRun.failing("requests", "encrypt", "--description", other.toString(), "--data",
                images.toString(), "--client", client.toString(), "--out", dir.resolve("batch2").toString(),
                "--backend", "cpu");
        assertTrue(err.contains("holds a key for another service description"), err);
        err = CliRun.failing("requests", "encrypt", "--description", other.toString(), "--data", images.toString(),
                "--client", dir.resolve("client2").toString(), "--out", dir.resolve("batch").toString(), "--backend",
                "cpu");
        assertTrue(err.contains("holds requests for another service description"), err);
        assertFalse(Files.exists(dir.resolve("client2").resolve(BatchFiles.SECRET_KEY)), "refused before a key");
        Path corrupt = dir.resolve("corrupt.desc");
        Files.write(corrupt, new byte[] {1, 2, 3, 4, 5});
        err = CliRun.failing("requests", "encrypt", "--description", corrupt.toString(), "--data", images.toString(),
                "--client", dir.resolve("client3").toString(), "--out", dir.resolve("batch3").toString());
        assertTrue(err.startsWith("error: --description " + corrupt + " is not a hecnn service description"), err);
        err = CliRun.failing("requests", "encrypt", "--description", desc.toString(), "--data", images.toString(),
                "--client", dir.resolve("batch4/secret").toString(), "--out", dir.resolve("batch4").toString());
        assertTrue(err.contains("--client and --out must not contain each other"), err);
        err = CliRun.failing("requests", "decrypt", "--client", client.toString(), "--responses", dir.toString(),
                "--out", dir.resolve("p.txt").toString());
        assertTrue(err.contains("--out must name a .csv or a .json file"), err);
        Files.write(client.resolve(BatchFiles.SECRET_KEY), new byte[] {9, 9, 9});
        err = CliRun.failing("requests", "decrypt", "--client", client.toString(), "--responses", dir.toString(),
                "--out", dir.resolve("p.csv").toString(), "--backend", "cpu");
        assertTrue(err.contains("is not a secret key of this service"), err);
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
