package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `eval --records`: encrypted results are appended per image, a second run takes them from the file and evaluates
 * only the missing images, and a file from another configuration or with a torn last line is refused untouched.
 * Runs the small 3x32x32 fixture (the training recipe's wide ResNet-8) under encryption on the bundled sample.
 */
class EvalRecordsTest {
    static final String MODEL = "../inference/src/test/resources/models/training_wide8.onnx";
    static final String SAMPLE = "../samples/cifar10_test_first10.bin";

    @Test
    void aSecondRunEvaluatesOnlyTheMissingImages(@TempDir Path dir) throws IOException {
        Path records = dir.resolve("r.jsonl");
        String first = CliRun.ok("eval", "--model", MODEL, "--data", SAMPLE, "--count", "2", "--backend",
                "cpu", "--records", records.toString(), "--json");
        assertTrue(first.contains("\"resumedImages\":0"), first);
        // A network this shallow gets separate rescales by default: they fit the ring tower reuse would need.
        assertTrue(first.contains("\"rescaling\":\"separate\""), first);
        List<String> lines = Files.readAllLines(records);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).contains("\"index\":0") && lines.get(1).contains("\"index\":1"), lines.toString());

        String second = CliRun.ok("eval", "--model", MODEL, "--data", SAMPLE, "--count", "3",
                "--together", "2", "--backend", "cpu", "--records", records.toString(), "--json");
        assertTrue(second.contains("\"images\":3") && second.contains("\"resumedImages\":2"), second);
        List<String> after = Files.readAllLines(records);
        assertEquals(3, after.size());
        assertEquals(lines, after.subList(0, 2), "earlier records are kept as they were");
        assertTrue(after.get(2).contains("\"index\":2"), after.get(2));
        for (String line : after) {
            assertTrue(line.contains("\"maxLogitError\":") && line.contains("\"plainMargin\":"), line);
        }
    }

    private static double margin(String line) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"plainMargin\":([^,}]+)").matcher(line);
        assertTrue(m.find(), line);
        return Double.parseDouble(m.group(1));
    }

    /**
     * --closest-first --count k chooses the k images of the smallest plaintext margin among all of the file, not the
     * first k, and evaluates them smallest margin first.
     */
    @Test
    void closestFirstChoosesTheSmallestMarginsOfTheWholeFile(@TempDir Path dir) throws IOException {
        List<Integer> expected = ClosestImages.smallestMargins(MODEL, SAMPLE, 2);
        String plain = CliRun.ok("eval", "--plain", "--model", MODEL, "--data", SAMPLE, "--closest-first", "--count",
                "2", "--json");
        assertTrue(plain.contains("\"imageIndices\":" + expected.toString().replace(" ", "")), plain + " " + expected);
        Path records = dir.resolve("r.jsonl");
        CliRun.ok("eval", "--model", MODEL, "--data", SAMPLE, "--count", "2", "--backend", "cpu", "--records",
                records.toString(), "--closest-first", "--json");
        List<String> lines = Files.readAllLines(records);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).contains("\"index\":" + expected.get(0) + ",")
                && lines.get(1).contains("\"index\":" + expected.get(1) + ","), lines + " " + expected);
        assertTrue(margin(lines.get(0)) <= margin(lines.get(1)), "smallest margin first " + lines);
    }

    @Test
    void anotherConfigurationOrATornLineIsRefusedAndTheFileKept(@TempDir Path dir) throws IOException {
        Path records = dir.resolve("r.jsonl");
        CliRun.ok("eval", "--model", MODEL, "--data", SAMPLE, "--count", "1", "--backend", "cpu",
                "--records", records.toString());
        byte[] before = Files.readAllBytes(records);

        String err = CliRun.failing("eval", "--model", MODEL, "--data", SAMPLE, "--count", "2", "--backend", "cpu",
                "--weight-bits", "17", "--records", records.toString());
        assertTrue(err.contains("another configuration") && err.contains("targets 24/17"), err);
        assertArrayEquals(before, Files.readAllBytes(records));

        String torn = new String(before, java.nio.charset.StandardCharsets.UTF_8).strip();
        Files.writeString(records, torn + "\n" + torn.substring(0, torn.length() / 2));
        byte[] tornBytes = Files.readAllBytes(records);
        err = CliRun.failing("eval", "--model", MODEL, "--data", SAMPLE, "--count", "2", "--backend", "cpu", "--records",
                records.toString());
        assertTrue(err.contains("line 2") && err.contains("interrupted"), err);
        assertArrayEquals(tornBytes, Files.readAllBytes(records));

        err = CliRun.failing("eval", "--plain", "--model", MODEL, "--data", SAMPLE, "--records", records.toString());
        assertTrue(err.contains("does not apply with --plain"), err);
    }

    @Test
    void aModelThatDoesNotReadCifarImagesIsAUserError() {
        String err = CliRun.failing("eval", "--plain", "--model", "../inference/src/test/resources/models/resnet_a.onnx",
                "--data", SAMPLE);
        assertTrue(err.contains("CIFAR-10 images are 3x32x32"), err);
    }
}
