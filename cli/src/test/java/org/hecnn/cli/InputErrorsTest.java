package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Wrong files and wrong data for a model get one line that says what was wrong and what to do, and nothing else. */
class InputErrorsTest {
    static final String MODEL = "../inference/src/test/resources/models/training_wide8.onnx";
    static final String RESNET20 = "../models/resnet20_quad.onnx";
    static final String MNIST_MODEL = "../models/mnist_cryptonets_pow2.onnx";

    private static String oneErrorLine(String... args) {
        CliRun.Result r = CliRun.run(args);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.out().isEmpty(), "nothing on standard output: " + r.out());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("error: "), r.err());
        return r.err();
    }

    @Test
    void aDirectoryAsModelIsCalledADirectory(@TempDir Path dir) {
        String err = oneErrorLine("plan", "--model", dir.toString());
        assertTrue(err.contains("--model " + dir + " is a directory; give the file itself"), err);
    }

    @Test
    void aMissingDataFileSaysWhereToGetData() {
        String err = oneErrorLine("infer", "--model", MODEL, "--cifar", "missing-test_batch.bin");
        assertTrue(err.contains("--cifar missing-test_batch.bin does not exist; "), err);
        assertTrue(err.contains("the README's section on data says where to get it"), err);
        err = oneErrorLine("eval", "--plain", "--model", MODEL, "--data", "missing.bin");
        assertTrue(err.contains("--data missing.bin does not exist; ") && err.contains("README"), err);
    }

    /** A PNG whose header says 8000x8000 and whose pixel data is missing: its size must be refused unread. */
    @Test
    void aHugeImageIsRefusedFromItsHeader(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(png);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeBytes("IHDR");
        h.writeInt(8000);
        h.writeInt(8000);
        h.write(new byte[] {8, 2, 0, 0, 0}); // 8-bit RGB
        out.writeInt(13);
        out.write(ihdr.toByteArray());
        CRC32 crc = new CRC32();
        crc.update(ihdr.toByteArray());
        out.writeInt((int) crc.getValue());
        Path file = dir.resolve("huge.png");
        Files.write(file, png.toByteArray());
        String err = oneErrorLine("infer", "--model", MODEL, "--image", file.toString());
        assertTrue(err.contains("is 8000x8000 but the model expects 32x32"), err);
    }

    @Test
    void aWrongBackendFailsBeforeAnythingIsPrinted() {
        String err = oneErrorLine("demo", "--backend", "nonsense");
        assertTrue(err.contains("unknown backend 'nonsense'"), err);
    }

    @Test
    void mnistWithAResidualNetworkOrAnotherLayoutSaysWhatToUse(@TempDir Path dir) throws IOException {
        Path images = MnistCommandsTest.writeIdx(dir, 2);
        String err = oneErrorLine("infer", "--mnist", images.toString(), "--model", RESNET20);
        assertTrue(err.contains("MNIST images are 1x28x28") && err.contains("models/mnist_cryptonets_pow2.onnx"), err);
        assertFalse(err.contains("--layout packed"), err);
        err = oneErrorLine("infer", "--mnist", images.toString(), "--model", MNIST_MODEL, "--layout", "packed");
        assertTrue(err.contains("infer --mnist runs the vector layout") && err.contains("--image"), err);
    }

    @Test
    void aResidualNetworkInAChainLayoutNamesTheLayoutsItRunsIn() {
        String err = oneErrorLine("plan", "--layout", "batched", "--model", MODEL);
        assertTrue(err.contains("runs in the packed or per-channel layout"), err);
    }
}
