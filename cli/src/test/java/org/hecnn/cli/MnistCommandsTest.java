package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `eval` and `infer` on MNIST IDX files (synthetic images written by the test) with the shipped MNIST model. */
class MnistCommandsTest {
    static final String MODEL = "../models/mnist_cryptonets_pow2.onnx";

    static Path writeIdx(Path dir, int count) throws IOException {
        Random r = new Random(4);
        Path images = dir.resolve("t10k-images-idx3-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(images))) {
            out.writeInt(0x803);
            out.writeInt(count);
            out.writeInt(28);
            out.writeInt(28);
            for (int i = 0; i < count * 784; i++) {
                out.writeByte(r.nextInt(4) == 0 ? r.nextInt(256) : 0);
            }
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(
                dir.resolve("t10k-labels-idx1-ubyte")))) {
            out.writeInt(0x801);
            out.writeInt(count);
            for (int i = 0; i < count; i++) {
                out.writeByte(i % 10);
            }
        }
        return images;
    }

    @Test
    void evalRunsTheBatchedLayoutOnIdxData(@TempDir Path dir) throws IOException {
        Path images = writeIdx(dir, 6);
        String json = CliRun.ok("eval", "--data", images.toString(), "--model", MODEL, "--backend", "cpu", "--batch", "3",
                "--json");
        assertTrue(json.contains("\"layout\":\"batched\""), json);
        assertTrue(json.contains("\"agreement\":1.00000"), json);
        assertTrue(json.contains("\"evaluations\":2"), json);
        assertTrue(json.contains("\"powerOfTwoMultiplications\":5072"), json);
    }

    @Test
    void inferRunsOneImageInTheVectorLayout(@TempDir Path dir) throws IOException {
        Path images = writeIdx(dir, 3);
        String json = CliRun.ok("infer", "--mnist", images.toString(), "--index", "2", "--model", MODEL, "--backend", "cpu",
                "--json");
        assertTrue(json.contains("\"layout\":\"vector\""), json);
        String cls = json.replaceAll("(?s).*\"class\":(\\d+).*", "$1");
        String plain = json.replaceAll("(?s).*\"plaintextClass\":(\\d+).*", "$1");
        assertEquals(plain, cls, json);
        assertNotEquals(json, cls);
    }

    @Test
    void truncatedIdxIsATypedError(@TempDir Path dir) throws IOException {
        Path images = writeIdx(dir, 2);
        byte[] all = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(all, all.length - 100));
        String err = CliRun.failing("eval", "--data", images.toString(), "--model", MODEL, "--json");
        assertTrue(err.contains("truncated"), err);
    }
}
