package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A run shows which backend it uses once and each long phase (compilation, key generation, the layers) on standard
 * error, while standard output keeps only the result: the small wide ResNet-8 fixture under encryption.
 */
class ProgressTest {
    static final String MODEL = "../inference/src/test/resources/models/training_wide8.onnx";
    static final String SAMPLE = "../samples/cifar10_test_first10.bin";

    @Test
    void inferShowsItsPhasesOnStandardErrorAndOnlyJsonOnStandardOutput() {
        CliRun.Result r = CliRun.run("infer", "--model", MODEL, "--cifar", SAMPLE, "--backend", "cpu", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().lines().count(), r.out());
        assertTrue(r.out().startsWith("{\"class\":"), r.out());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("backend: cpu, Java Vector API")).count(), r.err());
        assertTrue(r.err().matches("(?s).*compiling \\S+: [0-9.]+ s.*"), r.err());
        assertTrue(r.err().matches("(?s).*generating and sending the evaluation keys: [0-9.]+ s.*"), r.err());
        assertTrue(r.err().contains("layers ["), r.err());
    }
}
