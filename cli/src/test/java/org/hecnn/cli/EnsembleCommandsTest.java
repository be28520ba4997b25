package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.hecnn.cnn.ensemble.EnsembleStack;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.junit.jupiter.api.Test;

/** `--ensemble` on the shipped ResNet-20 members and the bundled CIFAR-10 sample (plaintext: fast enough for CI). */
class EnsembleCommandsTest {
    static final String E11 = "../models/resnet20_quad_e11.onnx";
    static final String E12 = "../models/resnet20_quad_e12.onnx";
    static final String SAMPLE = "../samples/cifar10_test_first10.bin";

    @Test
    void plaintextEnsembleAccuracyIsTheMeanSoftmaxPrediction() {
        String json = CliRun.ok("eval", "--plain", "--ensemble", E11 + "," + E12, "--data", SAMPLE,
                "--count", "6", "--json");
        assertTrue(json.contains("\"members\":2"), json);
        List<Model> members = List.of(OnnxImporter.load(Path.of(E11)), OnnxImporter.load(Path.of(E12)));
        int correct = 0;
        for (int i = 0; i < 6; i++) {
            ImageInput.Labelled img = ImageInput.cifar(Path.of(SAMPLE), i, ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD);
            Tensor x = Tensor.of(InferCommand.flatten(img.pixels()), 3, 32, 32);
            double[] both = new double[20];
            for (int m = 0; m < 2; m++) {
                System.arraycopy(PlainEvaluator.evaluate(members.get(m), x).toArray(), 0, both, 10 * m, 10);
            }
            correct += InferCommand.argMax(EnsembleStack.averageSoftmax(both, 2)) == img.label() ? 1 : 0;
        }
        assertTrue(json.contains(String.format(java.util.Locale.ROOT, "\"plaintextAccuracy\":%.6g", correct / 6.0)),
                json + " expected accuracy " + correct / 6.0);
    }

    @Test
    void modelAndEnsembleTogetherIsAUserError() {
        String err = CliRun.failing("eval", "--plain", "--model", E11, "--ensemble", E11 + "," + E12, "--data", SAMPLE);
        assertTrue(err.contains("either --model or --ensemble"), err);
        err = CliRun.failing("eval", "--plain", "--ensemble", E11 + ",missing.onnx", "--data", SAMPLE);
        assertTrue(err.contains("missing.onnx does not exist"), err);
    }
}
