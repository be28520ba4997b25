package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * `hecnn serve` in its own process and `infer --server` / `eval --server` as its clients, at 128-bit parameters with
 * the small test ResNet; SIGTERM shuts the server down gracefully.
 */
class ServeCommandTest {
    private static final String MODEL = "../inference/src/test/resources/models/training_wide8.onnx";

    @Test
    void outOfRangeLimitsAreRefusedBeforeCompiling() {
        for (String[] bad : new String[][] {{"--workers", "0"}, {"--queue", "-1"}, {"--max-sessions", "0"},
            {"--session-idle", "0"}, {"--shutdown-grace", "-5"}, {"--port", "70000"}}) {
            String err = CliRun.failing("serve", "--model", MODEL, bad[0], bad[1]);
            assertTrue(err.startsWith("error: ") && err.contains(bad[0].equals("--port") ? "ports must be" : bad[0]),
                    String.join(" ", bad) + ": " + err);
        }
    }

    @Test
    void clientsGetClassesFromAServedModelAndTheServerStopsGracefully() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx3g", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Dhecnn.home=" + Path.of("..").toAbsolutePath().normalize(), "-cp",
                System.getProperty("java.class.path"), Hecnn.class.getName(), "serve", "--model", MODEL, "--backend",
                "cpu", "--port", "0", "--json"));
        java.io.File errFile = java.io.File.createTempFile("hecnn-serve", ".err");
        errFile.deleteOnExit();
        Process server = new ProcessBuilder(cmd).redirectError(errFile).start();
        try {
            String ready = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertTrue(ready != null && ready.startsWith("{"), "serve printed " + ready + "; stderr "
                    + java.nio.file.Files.readString(errFile.toPath()));
            Matcher m = Pattern.compile("\"address\":\"([^\"]+)\"").matcher(ready);
            assertTrue(m.find(), ready);
            String address = m.group(1);

            String out = CliRun.ok("infer", "--server", address, "--backend", "cpu", "--cifar",
                    "../samples/cifar10_test_first10.bin", "--index", "1", "--json");
            assertTrue(out.contains("\"model\":\"training_wide8\"") && out.contains("\"class\":"), out);
            assertEquals(1, out.strip().lines().count(), "stdout of --json is one JSON line: " + out);

            String eval = CliRun.ok("eval", "--server", address, "--backend", "cpu", "--data",
                    "../samples/cifar10_test_first10.bin", "--count", "2", "--json");
            assertTrue(eval.contains("\"images\":2") && eval.contains("\"accuracy\":"), eval);

            String refused = CliRun.failing("infer", "--server", address, "--model", MODEL);
            assertTrue(refused.contains("the model is the server's property"), refused);

            server.destroy(); // SIGTERM
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server stopped");
            String serverErr = java.nio.file.Files.readString(errFile.toPath());
            assertEquals(143, server.exitValue(), "the JVM's status after SIGTERM (128 + 15), hooks run: " + serverErr);
            assertTrue(serverErr.contains("shutting down"), serverErr);
            String gone = CliRun.failing("infer", "--server", address, "--backend", "cpu", "--cifar",
                    "../samples/cifar10_test_first10.bin");
            assertTrue(gone.contains("unavailable"), gone);
        } finally {
            server.destroyForcibly();
        }
    }
}
