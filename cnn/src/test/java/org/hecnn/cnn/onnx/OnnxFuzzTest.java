package org.hecnn.cnn.onnx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;

import org.hecnn.cnn.Fixtures;
import org.junit.jupiter.api.Test;

/** Truncated and corrupted model files fail with an {@link OnnxImportException}, never with anything else. */
class OnnxFuzzTest {

    private static void importOrTypedError(byte[] bytes, String what) {
        try {
            OnnxImporter.parse(bytes, "fuzz");
        } catch (OnnxImportException expected) {
            // fine: typed error
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            fail(what + ": " + e, e);
        }
    }

    @Test
    void everyTruncationFailsTyped() {
        for (String name : new String[] {"cryptonets", "poly_mix", "resnet_a"}) {
            byte[] full = Fixtures.bytes(name + ".onnx");
            int step = full.length > 8000 ? 3 : 1;
            for (int len = 0; len < full.length; len += step) {
                byte[] cut = Arrays.copyOf(full, len);
                assertThrows(OnnxImportException.class, () -> OnnxImporter.parse(cut, "cut"),
                        name + " truncated to " + len + " bytes");
            }
        }
    }

    @Test
    void randomCorruptionFailsTypedOrImports() {
        Random rnd = new Random(99);
        for (String name : new String[] {"cryptonets", "resnet_a", "poly_mix", "resnet_b"}) {
            byte[] full = Fixtures.bytes(name + ".onnx");
            for (int trial = 0; trial < 500; trial++) {
                byte[] b = full.clone();
                int flips = 1 + rnd.nextInt(3);
                for (int k = 0; k < flips; k++) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
                importOrTypedError(b, name + " trial " + trial);
            }
        }
    }

    @Test
    void randomBytesFailTyped() {
        Random rnd = new Random(5);
        for (int trial = 0; trial < 1000; trial++) {
            byte[] b = new byte[rnd.nextInt(200)];
            rnd.nextBytes(b);
            importOrTypedError(b, "random " + trial);
        }
    }
}
