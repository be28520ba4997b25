package org.hecnn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.cnn.plain.PlainEvaluator;

/** The test's own reckoning of which CIFAR-10 images a model is least sure of (smallest top-two logit margin). */
final class ClosestImages {
    private ClosestImages() {
    }

    /** Indices of the {@code k} images of {@code data} with the smallest plaintext margins, smallest first. */
    static List<Integer> smallestMargins(String model, String data, int k) {
        Model m = OnnxImporter.load(Path.of(model));
        int total = ImageInput.cifarCount(Path.of(data));
        double[] margins = new double[total];
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            double[] px = InferCommand.flatten(ImageInput.cifar(Path.of(data), i, ImageInput.CIFAR_MEAN,
                    ImageInput.CIFAR_STD).pixels());
            double[] logits = PlainEvaluator.evaluate(m, Tensor.of(px, m.inputShape().dims())).toArray();
            double[] sorted = logits.clone();
            java.util.Arrays.sort(sorted);
            margins[i] = sorted[sorted.length - 1] - sorted[sorted.length - 2];
            order.add(i);
        }
        order.sort(Comparator.comparingDouble(i -> margins[i]));
        return order.subList(0, k);
    }
}
