package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a program in a separate process for tests and captures its exit code, standard output and standard error. */
final class CliProcess {
    private CliProcess() {
    }

    /** {@code hecnn} in a fresh JVM with the launcher's flags, the repository as its home, and extra environment. */
    static CliRun.Result hecnn(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Dhecnn.home=" + Path.of("..").toAbsolutePath().normalize(),
                "-cp", System.getProperty("java.class.path"), Hecnn.class.getName()));
        cmd.addAll(List.of(args));
        return run(cmd, env, Path.of("."));
    }

    /** Any command, in {@code dir}, with extra environment; fails the test if it runs longer than 5 minutes. */
    static CliRun.Result run(List<String> cmd, Map<String, String> env, Path dir)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "did not end: " + cmd);
        return new CliRun.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err.join(), StandardCharsets.UTF_8));
    }
}
