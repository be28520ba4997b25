package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `hecnn serve --layout batched` with the MNIST power-of-two model in its own process, and `eval --server` and
 * `infer --server` as its clients through the CLI's entry point: the client learns the layout from the service
 * description alone and sends the eight images in one request. The images are labelled with the plaintext model's
 * predictions, so an encrypted accuracy of 1 means every encrypted prediction agrees with plaintext.
 */
class ServeChainLayoutTest {
    @Test
    void clientsOfABatchedServerAgreeWithPlaintext(@TempDir Path dir) throws Exception {
        Path images = MnistCommandsTest.writeIdxLabelledByTheModel(dir, 8);
        Path errFile = dir.resolve("serve.err");
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx3g", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Hecnn.class.getName(), "serve", "--model",
                MnistCommandsTest.MODEL, "--layout", "batched", "--backend", "cpu", "--port", "0", "--max-sessions",
                "2", "--queue", "2", "--shutdown-grace", "5", "--json")
                .redirectError(errFile.toFile()).start();
        try {
            String ready = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertTrue(ready != null && ready.contains("\"layout\":\"batched\""), "serve printed " + ready
                    + "; stderr " + Files.readString(errFile));
            Matcher keys = Pattern.compile("\"keyMemoryMiB\":(\\d+)").matcher(ready);
            assertTrue(keys.find() && Long.parseLong(keys.group(1)) > 0, "key memory sized from the heap: " + ready);
            Matcher m = Pattern.compile("\"address\":\"([^\"]+)\"").matcher(ready);
            assertTrue(m.find(), ready);
            String address = m.group(1);

            String eval = CliRun.ok("eval", "--server", address, "--backend", "cpu", "--data", images.toString(),
                    "--count", "8", "--json");
            for (String field : List.of("\"images\":8", "\"layout\":\"batched\"", "\"evaluations\":1",
                    "\"accuracy\":1.00000", "\"model\":\"mnist_cryptonets_pow2\"")) {
                assertTrue(eval.contains(field), field + " in " + eval);
            }

            String infer = CliRun.ok("infer", "--server", address, "--backend", "cpu", "--mnist", images.toString(),
                    "--index", "5", "--json");
            int label = MnistIdx.load(images).label(5);
            assertTrue(infer.contains("\"class\":" + label + ",") && infer.contains("\"label\":" + label + ","),
                    infer);

            server.destroy();
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server stopped");
            assertEquals(143, server.exitValue(), Files.readString(errFile));
        } finally {
            server.destroyForcibly();
        }
    }

    /**
     * A heap that cannot hold the model, one evaluation's working set (the batched MNIST network keeps about
     * 2,400 ciphertexts of 0.8 MiB alive) and one session's keys: serve refuses to start and names the heap it
     * needs, instead of filling the heap under load.
     */
    @Test
    void aHeapThatCannotHoldOneSessionIsRefusedAtStart(@TempDir Path dir) throws Exception {
        Path errFile = dir.resolve("serve.err");
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Hecnn.class.getName(), "serve", "--model",
                MnistCommandsTest.MODEL, "--layout", "batched", "--backend", "cpu", "--port", "0")
                .redirectError(errFile.toFile()).start();
        try {
            assertTrue(server.waitFor(120, TimeUnit.SECONDS), "serve stopped by itself");
            String err = Files.readString(errFile);
            assertEquals(2, server.exitValue(), err);
            assertTrue(err.contains("serving mnist_cryptonets_pow2 needs a heap of at least")
                    && err.contains("HECNN_HEAP=") && !err.contains("\tat "), err);
        } finally {
            server.destroyForcibly();
        }
    }
}
