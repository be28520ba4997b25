package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher scripts in a scratch checkout with stand-ins for Maven and Java: ./hecnn rebuilds only for changed
 * sources (not for files Maven generates under target/), two launches never build at once, and the JVM's incubator
 * warning is dropped from standard error while everything else passes.
 */
class LauncherTest {
    static final Path SCRIPTS = Path.of("../scripts").toAbsolutePath().normalize();
    static final Instant JAR_TIME = Instant.now().minusSeconds(86_400);

    private static void write(Path file, String text, boolean executable) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        if (executable) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static void touch(Path file, Instant time) throws IOException {
        write(file, "", false);
        Files.setLastModifiedTime(file, FileTime.from(time));
    }

    /** A checkout with the build scripts, a source, a jar built after it, and a Maven stand-in that logs each run. */
    private static Path checkout(Path dir) throws IOException {
        Path root = dir.resolve("repo");
        for (String s : List.of("build-cli", "build-lock")) {
            write(root.resolve("scripts").resolve(s), Files.readString(SCRIPTS.resolve(s)), true);
        }
        touch(root.resolve("core/src/main/java/A.java"), JAR_TIME.minusSeconds(100));
        touch(root.resolve("cli/target/hecnn.jar"), JAR_TIME);
        write(dir.resolve("bin/mvn"), "#!/usr/bin/env bash\necho start >> \"$MVN_LOG\"\nsleep 2\n"
                + "touch cli/target/hecnn.jar\necho end >> \"$MVN_LOG\"\n", true);
        return root;
    }

    private static CliRun.Result buildCli(Path dir) throws Exception {
        return CliProcess.run(List.of("bash", dir.resolve("repo/scripts/build-cli").toString()),
                Map.of("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"), "MVN_LOG",
                        dir.resolve("mvn.log").toString()), dir);
    }

    private static List<String> mavenRuns(Path dir) throws IOException {
        Path log = dir.resolve("mvn.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Test
    void filesMavenGeneratesDoNotTriggerARebuildButSourcesDo(@TempDir Path dir) throws Exception {
        Path root = checkout(dir);
        touch(root.resolve("cnn/target/generated-sources/protobuf/java/Onnx.java"), JAR_TIME.plusSeconds(100));
        touch(root.resolve("cli/target/generated-test-sources/pom.xml"), JAR_TIME.plusSeconds(100));
        CliRun.Result r = buildCli(dir);
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(), mavenRuns(dir), "no build for generated files: " + r.err());
        touch(root.resolve("inference/src/main/java/B.java"), JAR_TIME.plusSeconds(100));
        r = buildCli(dir);
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("start", "end"), mavenRuns(dir), r.err());
        assertTrue(r.err().contains("building hecnn"), r.err());
    }

    @Test
    void twoLaunchesAtOnceBuildOnceOneAfterTheOther(@TempDir Path dir) throws Exception {
        Path root = checkout(dir);
        touch(root.resolve("core/src/main/java/A.java"), JAR_TIME.plusSeconds(100));
        CompletableFuture<CliRun.Result> first = CompletableFuture.supplyAsync(() -> {
            try {
                return buildCli(dir);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(500);
        CliRun.Result second = buildCli(dir);
        CliRun.Result one = first.join();
        assertEquals(0, one.code(), one.err());
        assertEquals(0, second.code(), second.err());
        assertEquals(List.of("start", "end"), mavenRuns(dir), "one build, not two and not interleaved");
        assertTrue((one.err() + second.err()).contains("waiting for another build or test run"),
                one.err() + second.err());
    }

    @Test
    void theIncubatorWarningIsDroppedAndTheRestPasses(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("repo");
        write(root.resolve("hecnn"), Files.readString(SCRIPTS.resolveSibling("hecnn")), true);
        write(root.resolve("scripts/java25"), "#!/usr/bin/env bash\necho \"" + dir.resolve("jdk") + "\"\n", true);
        write(root.resolve("scripts/build-cli"), "#!/usr/bin/env bash\nexit 0\n", true);
        write(dir.resolve("jdk/bin/java"), "#!/usr/bin/env bash\n"
                + "echo 'WARNING: Using incubator modules: jdk.incubator.vector' >&2\n"
                + "echo 'the result'\necho 'error: what was wrong' >&2\nexit 2\n", true);
        CliRun.Result r = CliProcess.run(List.of("bash", root.resolve("hecnn").toString(), "plan"), Map.of(), dir);
        assertEquals(2, r.code(), r.err());
        assertEquals("the result\n", r.out());
        assertEquals("error: what was wrong\n", r.err());
        assertFalse(r.err().contains("incubator"), r.err());
    }

    /** The heap the launcher gives java for {@code args}: a java stand-in prints its -Xmx option. */
    private static long heapMb(Path dir, String... args) throws Exception {
        Path root = dir.resolve("repo");
        write(root.resolve("hecnn"), Files.readString(SCRIPTS.resolveSibling("hecnn")), true);
        write(root.resolve("scripts/java25"), "#!/usr/bin/env bash\necho \"" + dir.resolve("jdk") + "\"\n", true);
        write(root.resolve("scripts/build-cli"), "#!/usr/bin/env bash\nexit 0\n", true);
        write(dir.resolve("jdk/bin/java"), "#!/usr/bin/env bash\nfor a in \"$@\"; do case $a in -Xmx*) echo ${a#-Xmx};; "
                + "esac; done\n", true);
        List<String> command = new java.util.ArrayList<>(List.of("bash", root.resolve("hecnn").toString()));
        command.addAll(List.of(args));
        CliRun.Result r = CliProcess.run(command, Map.of(), dir);
        assertEquals(0, r.code(), r.err());
        String heap = r.out().trim();
        assertTrue(heap.endsWith("m"), heap);
        return Long.parseLong(heap.substring(0, heap.length() - 1));
    }

    @Test
    void compiledPlaintextsMappedOutsideTheHeapComeOutOfItsShare(@TempDir Path dir) throws Exception {
        Path compiled = dir.resolve("m.hecp");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(compiled.toFile(), "rw")) {
            f.setLength(300L << 20); // sparse: 300 MiB
        }
        long plain = heapMb(dir, "infer");
        assertEquals(plain - 300, heapMb(dir, "infer", "--compiled", compiled.toString()));
        assertEquals(plain - 300, heapMb(dir, "infer", "--compiled=" + compiled));
        assertEquals(plain, heapMb(dir, "infer", "--compiled", dir.resolve("missing").toString()),
                "a missing file is the command's error to report, not the launcher's");
    }

    @Test
    void aSignalToTheLauncherReachesJavaSoServeShutsDownGracefully(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("repo");
        Path mark = dir.resolve("terminated");
        write(root.resolve("hecnn"), Files.readString(SCRIPTS.resolveSibling("hecnn")), true);
        write(root.resolve("scripts/java25"), "#!/usr/bin/env bash\necho \"" + dir.resolve("jdk") + "\"\n", true);
        write(root.resolve("scripts/build-cli"), "#!/usr/bin/env bash\nexit 0\n", true);
        write(dir.resolve("jdk/bin/java"), "#!/usr/bin/env bash\n"
                + "trap 'echo shut down > \"" + mark + "\"; exit 0' TERM\n"
                + "echo ready\nwhile true; do sleep 0.05; done\n", true);
        Process p = new ProcessBuilder("bash", root.resolve("hecnn").toString(), "serve").directory(dir.toFile())
                .redirectErrorStream(true).start();
        try {
            assertEquals("ready", new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))
                    .readLine());
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
            assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the launcher ended");
            assertTrue(Files.exists(mark), "the signal reached the JVM (the launcher execs it)");
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
