package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standard output of --json is JSON only, also on a machine without an OpenCL driver (simulated by a library path
 * whose libOpenCL files do not load: JOCL's native code would print every failed load on standard output), and
 * standard error carries no warning a user cannot act on (protobuf's sun.misc.Unsafe calls). Each run is a fresh
 * JVM, because what a backend probe prints happens once per process.
 */
class JsonOutputTest {
    static final String MODEL = "../inference/src/test/resources/models/training_wide8.onnx";

    private static Map<String, String> withoutOpenCl(Path dir) throws IOException {
        Files.write(dir.resolve("libOpenCL.so.1"), new byte[0]);
        Files.write(dir.resolve("libOpenCL.so"), new byte[0]);
        return Map.of("LD_LIBRARY_PATH", dir.toString());
    }

    private static void assertJsonOnly(String stdout, char open, char close) {
        String s = stdout.strip();
        assertFalse(s.isEmpty(), "no output");
        assertEquals(open, s.charAt(0), stdout);
        assertEquals(close, s.charAt(s.length() - 1), stdout);
        assertEquals(1, s.lines().count(), "one JSON line and nothing else: " + stdout);
    }

    @Test
    void planWithTheCpuBackendPrintsOnlyJsonAndProbesNoOtherBackend(@TempDir Path dir) throws Exception {
        CliRun.Result r = CliProcess.hecnn(withoutOpenCl(dir), "plan", "--json", "--backend", "cpu", "--model", MODEL);
        assertEquals(0, r.code(), r.err());
        assertJsonOnly(r.out(), '{', '}');
        assertFalse(r.err().contains("Could not load"), r.err());
        assertFalse(r.err().contains("sun.misc.Unsafe"), "protobuf must not call sun.misc.Unsafe: " + r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("backend: cpu")).count(), r.err());
    }

    @Test
    void probingEveryBackendPrintsNothingButTheResult(@TempDir Path dir) throws Exception {
        CliRun.Result r = CliProcess.hecnn(withoutOpenCl(dir), "backends", "--json");
        assertEquals(0, r.code(), r.err());
        assertJsonOnly(r.out(), '[', ']');
        assertTrue(r.out().contains("\"name\":\"opencl\",\"available\":false,\"reason\":\"libOpenCL.so.1 cannot be "
                + "loaded"), r.out());
        assertFalse(r.err().contains("Could not load"), r.err());
    }

    @Test
    void autoNamesTheBackendOnceAndExplainsTheOthersOnlyWhenVerbose(@TempDir Path dir) throws Exception {
        CliRun.Result quiet = CliProcess.hecnn(withoutOpenCl(dir), "plan", "--json", "--model", MODEL);
        assertEquals(0, quiet.code(), quiet.err());
        assertJsonOnly(quiet.out(), '{', '}');
        assertEquals(1, quiet.err().lines().filter(l -> l.startsWith("backend: ")).count(), quiet.err());
        assertFalse(quiet.err().contains("skipped"), quiet.err());
        CliRun.Result verbose = CliProcess.hecnn(withoutOpenCl(dir), "plan", "--json", "--verbose", "--model", MODEL);
        assertEquals(0, verbose.code(), verbose.err());
        assertJsonOnly(verbose.out(), '{', '}');
        assertTrue(verbose.err().contains("backend auto: skipped opencl: libOpenCL.so.1 cannot be loaded"),
                verbose.err());
    }
}
