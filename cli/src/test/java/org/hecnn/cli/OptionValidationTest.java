package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every numeric option is checked: a value out of range ends with exit code 2 and one line on standard error that
 * names the option and its range, never a stack trace, a silent default or a silently different mode.
 */
class OptionValidationTest {
    static final String MODEL = "../inference/src/test/resources/models/training_wide8.onnx";
    static final String MNIST = "../models/mnist_cryptonets_pow2.onnx";
    static final String SAMPLE = "../samples/cifar10_test_first10.bin";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "plan --scale-bits 80|--scale-bits 80 and --weight-bits 18 (default) need 116",
        "plan --scale-bits 61 --weight-bits 61|add --separate-rescales (scale 10-53, weight 8-61)",
        "plan --separate-rescales --scale-bits 80|--scale-bits must be between 10 and 53 with separate rescales",
        "plan --separate-rescales --weight-bits 62|--weight-bits must be between 8 and 61",
        "plan --scale-bits 0|--scale-bits must be at least 10 (got 0)",
        "plan --weight-bits 0|--weight-bits must be at least 8 (got 0)",
        "plan --weight-bits -3|--weight-bits must be at least 8 (got -3)",
        "plan --baby-steps 0|--baby-steps must be at least 1 (got 0)",
        "plan --clusters -1|--clusters must be at least 0 (got -1)",
        "plan --input-range 0,1|--input-range applies to the batched and vector layouts",
        "plan --layout diagonal|unknown layout 'diagonal': use auto, packed, per-channel, batched or vector",
        "eval --plain --data " + SAMPLE + " --count -5|--count must be at least 1 (got -5)",
        "eval --plain --data " + SAMPLE + " --count 0|--count must be at least 1 (got 0)",
        "eval --plain --data " + SAMPLE + " --count 11|--count must be between 1 and 10",
        "eval --plain --data " + SAMPLE + " --from -1|--from must be at least 0 (got -1)",
        "eval --plain --data " + SAMPLE + " --from 10|--from must be between 0 and 9",
        "eval --plain --data " + SAMPLE + " --from 4 --count 7|--count must be between 1 and 6",
        "eval --data " + SAMPLE + " --together 0|--together must be at least 1 (got 0)",
        "eval --data " + SAMPLE + " --layout batched --batch 0|--batch must be at least 1 (got 0)",
        "infer --cifar " + SAMPLE + " --index -1|--index must be at least 0 (got -1)",
        "infer --cifar " + SAMPLE + " --index 10|--index must be between 0 and 9",
        "demo --logN 13|--logN must be between 14 and 16",
    })
    void outOfRangeValuesAreNamedWithTheirRange(String command, String expected) {
        String[] args = (command + (command.startsWith("demo") ? "" : " --model " + MODEL)).split(" ");
        CliRun.Result r = CliRun.run(args);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.out().isEmpty(), "nothing on standard output: " + r.out());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(expected), r.err());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "plan --layout batched --scale-bits 60|--scale-bits must be between 16 and 50 in the batched layout",
        "plan --layout batched --weight-bits 31|--weight-bits must be between 4 and 30 in the batched layout",
        "plan --layout vector --scale-bits 19|--scale-bits must be between 20 and 55 in the vector layout",
        "plan --layout vector --weight-bits 20|--weight-bits does not apply to the vector layout",
        "plan --layout batched --input-range 2,1|--input-range takes lo,hi with lo < hi",
        "infer --layout vector --trace|--trace applies to the packed and per-channel layouts",
    })
    void chainLayoutsCheckTheirOwnRanges(String command, String expected) {
        CliRun.Result r = CliRun.run((command + " --model " + MNIST).split(" "));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(expected), r.err());
    }
}
