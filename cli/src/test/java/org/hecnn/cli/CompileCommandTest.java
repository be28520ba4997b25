package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `hecnn compile` and `--compiled`: misuse is refused with what to do, before anything is compiled or written. (The
 * round trip itself, and the refusal of another network's file, are tested in the inference module; a ResNet-20
 * file is 2.2 GiB, measured by hand: docs/benchmarks.md.)
 */
class CompileCommandTest {
    private static final String MNIST = "../models/mnist_cryptonets_pow2.onnx";
    private static final String R20 = "../models/resnet20_quad.onnx";

    /** `infer` of ResNet-20 on a bundled image with more options. */
    private static String[] infer(String... more) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("infer", "--model", R20, "--cifar",
                "../samples/cifar10_test_first10.bin", "--index", "0", "--backend", "cpu"));
        args.addAll(java.util.List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void chainLayoutsHaveNothingToStore(@TempDir Path dir) {
        String err = CliRun.failing("compile", "--model", MNIST, "--layout", "batched", "--out",
                dir.resolve("m.hecp").toString());
        assertTrue(err.contains("CNN layouts"), err);
        assertFalse(Files.exists(dir.resolve("m.hecp")));
        err = CliRun.failing("plan", "--model", MNIST, "--layout", "batched", "--compiled",
                dir.resolve("m.hecp").toString());
        assertTrue(err.contains("--compiled holds plaintexts of the CNN layouts"), err);
    }

    @Test
    void aMissingFileOrDirectoryIsNamed(@TempDir Path dir) throws IOException {
        String err = CliRun.failing("compile", "--out", dir.resolve("no/such/dir/m.hecp").toString());
        assertTrue(err.contains("does not exist"), err);
        err = CliRun.failing("compile", "--out", dir.toString());
        assertTrue(err.contains("is a directory"), err);
        err = CliRun.failing(infer("--compiled", dir.resolve("missing.hecp").toString()));
        assertTrue(err.contains("missing.hecp") && err.contains("does not exist"), err);
        assertTrue(err.contains("hecnn compile"), err);
    }

    @Test
    void compileRefusesToReadAndClientsRefuseCompilationFiles(@TempDir Path dir) {
        String err = CliRun.failing("compile", "--compiled", "x.hecp", "--out", dir.resolve("m.hecp").toString());
        assertTrue(err.contains("hecnn compile writes them"), err);
        err = CliRun.failing("infer", "--server", "localhost:1", "--compiled", "x.hecp");
        assertTrue(err.contains("--compiled") && err.contains("give them to `hecnn serve`"), err);
    }

    /** plan with --compiled counts no heap for the plaintexts (they will be mapped) and does not read the file. */
    @Test
    void planWithCompiledPlaintextsCountsNoHeapForThem(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("m.hecp"), new byte[] {1});
        String before = System.getProperty(org.hecnn.backend.host.HostEngine.SEEDED_KEYS);
        try {
            String plain = CliRun.ok("plan", "--model", R20, "--backend", "cpu", "--json");
            String mapped = CliRun.ok("plan", "--model", R20, "--backend", "cpu", "--json", "--compiled", file.toString(),
                    "--seeded-keys");
            assertTrue(plain.contains("\"plaintextBytes\":2358771712"), plain);
            assertTrue(mapped.contains("\"plaintextBytes\":0,"), mapped);
            assertTrue(mapped.contains("\"keyBytes\":3229614080"), mapped);
            assertTrue(plain.contains("\"keyBytes\":6459228160"), plain);
        } finally {
            if (before == null) {
                System.clearProperty(org.hecnn.backend.host.HostEngine.SEEDED_KEYS);
            } else {
                System.setProperty(org.hecnn.backend.host.HostEngine.SEEDED_KEYS, before);
            }
        }
    }

    @Test
    void aCorruptFileIsRefusedWithItsName(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.hecp");
        Files.write(bad, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17});
        String err = CliRun.failing(infer("--compiled", bad.toString()));
        assertTrue(err.contains("--compiled " + bad) && err.contains("not a hecnn object"), err);
    }
}
