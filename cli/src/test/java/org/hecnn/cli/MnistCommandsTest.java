package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.cnn.plain.PlainEvaluator;
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

    /**
     * As {@link #writeIdx}, labelled with the plaintext model's predictions: an encrypted accuracy of 1 then means
     * that every encrypted prediction agrees with the plaintext model's (also where the client cannot see it).
     */
    static Path writeIdxLabelledByTheModel(Path dir, int count) throws IOException {
        Path images = writeIdx(dir, count);
        MnistIdx data = MnistIdx.load(images);
        Model model = OnnxImporter.load(Path.of(MODEL));
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(
                dir.resolve("t10k-labels-idx1-ubyte")))) {
            out.writeInt(0x801);
            out.writeInt(count);
            for (int i = 0; i < count; i++) {
                out.writeByte(InferCommand.argMax(PlainEvaluator.evaluate(model,
                        Tensor.of(data.image(i), model.inputShape().dims())).toArray()));
            }
        }
        return images;
    }

    /** A number field of one-line JSON output. */
    static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":([-0-9.e+]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void evalRunsTheBatchedLayoutOnIdxData(@TempDir Path dir) throws IOException {
        Path images = writeIdxLabelledByTheModel(dir, 7);
        String json = CliRun.ok("eval", "--data", images.toString(), "--model", MODEL, "--backend", "cpu", "--layout",
                "batched", "--count", "6", "--batch", "3", "--json");
        assertTrue(json.contains("\"layout\":\"batched\""), json);
        assertTrue(json.contains("\"images\":6"), json);
        assertTrue(json.contains("\"agreement\":1.00000"), json);
        assertTrue(json.contains("\"accuracy\":1.00000"), json);
        assertTrue(json.contains("\"evaluations\":2"), json);
        assertTrue(json.contains("\"imagesPerEvaluation\":3"), json);
        assertTrue(json.contains("\"powerOfTwoMultiplications\":5072"), json);
        assertTrue(number(json, "maxLogitError") <= number(json, "errorBound"), json);
    }

    @Test
    void inferRunsOneImageInTheVectorLayout(@TempDir Path dir) throws IOException {
        Path images = writeIdx(dir, 3);
        String json = CliRun.ok("infer", "--mnist", images.toString(), "--index", "2", "--model", MODEL, "--backend", "cpu",
                "--layout", "vector", "--json");
        assertTrue(json.contains("\"layout\":\"vector\""), json);
        String cls = json.replaceAll("(?s).*\"class\":(\\d+).*", "$1");
        String plain = json.replaceAll("(?s).*\"plaintextClass\":(\\d+).*", "$1");
        assertEquals(plain, cls, json);
        assertNotEquals(json, cls);
        assertTrue(number(json, "maxLogitError") <= number(json, "errorBound"), json);
        assertTrue(json.contains("\"rotationKeys\":28"), json);
    }

    @Test
    void planOfAChainNetworkChoosesTheBatchedLayoutByItself() {
        String json = CliRun.ok("plan", "--model", MODEL, "--backend", "cpu", "--json");
        assertTrue(json.contains("\"layout\":\"batched\""), json);
        assertTrue(json.contains("\"rotationKeys\":0"), json);
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
