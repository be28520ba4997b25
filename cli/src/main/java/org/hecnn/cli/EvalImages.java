package org.hecnn.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.hecnn.HecnnException;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.cnn.plain.PlainEvaluator;

/**
 * The labelled images eval reads (MNIST IDX or a CIFAR-10 binary file) as the encrypted model's inputs: normalised
 * as the training recipe does, flattened in the model's input order and, with a public feature extractor
 * (--features: the client's side of private transfer learning), passed through it in plaintext first; its outputs
 * are kept, so each image is extracted once, and the time it took is measured.
 */
final class EvalImages {
    private final MnistIdx mnist;
    private final Path cifar;
    private final int count;
    private final Model features;
    private final Map<Integer, double[]> extracted = new HashMap<>();
    private long featureNanos;

    private EvalImages(MnistIdx mnist, Path cifar, int count, Model features) {
        this.mnist = mnist;
        this.cifar = cifar;
        this.count = count;
        this.features = features;
    }

    /** The images of {@code data} (MNIST if it is an IDX image file, else CIFAR-10) through {@code features} (or null). */
    static EvalImages open(Path data, Path features) {
        Model extractor = features == null ? null : OnnxImporter.load(InputFile.require("--features", features, ""));
        if (MnistIdx.isIdxImages(data)) {
            MnistIdx m = MnistIdx.load(data);
            return new EvalImages(m, null, m.count, extractor);
        }
        return new EvalImages(null, data, ImageInput.cifarCount(data), extractor);
    }

    /** Whether the images are MNIST or go through a feature extractor: then only a chain network takes them. */
    boolean forChainNetworks() {
        return mnist != null || features != null;
    }

    boolean hasFeatures() {
        return features != null;
    }

    int count() {
        return count;
    }

    int label(int i) {
        return mnist != null ? mnist.label(i) : ImageInput.cifar(cifar, i, ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD)
                .label();
    }

    /** Image i as the encrypted model's input. */
    double[] input(int i) {
        double[] image = mnist != null ? mnist.image(i) : InferCommand.flatten(ImageInput.cifar(cifar, i,
                ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD).pixels());
        if (features == null) {
            return image;
        }
        double[] kept = extracted.get(i);
        if (kept != null) {
            return kept;
        }
        if (features.inputShape().size() != image.length) {
            throw new HecnnException("the feature extractor takes " + features.inputShape() + " but the images have "
                    + image.length + " values");
        }
        long t0 = System.nanoTime();
        double[] out = PlainEvaluator.evaluate(features, Tensor.of(image, features.inputShape().dims())).toArray();
        featureNanos += System.nanoTime() - t0;
        extracted.put(i, out);
        return out;
    }

    /** Fails unless these images fit the model {@code model}, which takes {@code values} per image ({@code shape}). */
    void requireFits(String model, String shape, int values, int first) {
        int have = input(first).length;
        if (have != values) {
            String images = features != null ? "the feature extractor gives " + have + " values per image"
                    : mnist != null ? "MNIST images are 1x" + mnist.rows + "x" + mnist.cols
                    : "CIFAR-10 images are 3x32x32";
            throw new HecnnException(images + " but the model " + model + " expects " + shape);
        }
    }

    /** Seconds the feature extractor took, all images together. */
    double featureSeconds() {
        return featureNanos / 1e9;
    }
}
