package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A heap too small for the network ends with one clear line and exit status 3, not a stack trace: the shipped
 * ResNet-20 compiled in a separate JVM with a 200 MiB heap (it needs about 12 GiB).
 */
class OutOfMemoryTest {
    @Test
    void aHeapTooSmallForTheNetworkGivesOneClearLine() throws Exception {
        String stderr = inferWithHeap("200m");
        assertTrue(stderr.contains("error: out of memory: the Java heap ("), stderr);
        assertTrue(stderr.contains("GiB) is too small"), stderr);
        assertTrue(stderr.contains("HECNN_HEAP="), stderr);
        assertFalse(stderr.contains("\tat "), "no stack trace: " + stderr);
    }

    /**
     * A heap that holds the compiled model but not the keys and an evaluation is refused right after compilation,
     * from the plan (`hecnn plan` prints the same parts), before any key is made.
     */
    @Test
    void aHeapBelowThePlannedLiveMemoryIsRefusedBeforeTheKeys() throws Exception {
        String stderr = inferWithHeap("5g");
        assertTrue(stderr.contains("error: out of memory: resnet20_quad needs 9.9 GiB live in the Java heap"), stderr);
        assertTrue(stderr.contains("but this JVM's heap is 5.0 GiB: run with HECNN_HEAP=13g"), stderr);
        assertFalse(stderr.contains("generating and sending the evaluation keys"), "refused before the keys: " + stderr);
        assertFalse(stderr.contains("\tat "), "no stack trace: " + stderr);
    }

    /** Standard error of `hecnn infer --backend cpu` in a separate JVM with heap {@code xmx}; exit status 3 checked. */
    private static String inferWithHeap(String xmx) throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx" + xmx, "--add-modules", "jdk.incubator.vector",
                "-Dhecnn.home=" + root, "-cp", System.getProperty("java.class.path"), Hecnn.class.getName(),
                "infer", "--backend", "cpu")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "hecnn did not end");
        String stderr = new String(err, StandardCharsets.UTF_8);
        assertEquals(Hecnn.OUT_OF_MEMORY, p.exitValue(), stderr);
        return stderr;
    }
}
