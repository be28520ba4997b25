package org.hecnn.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hecnn.HecnnException;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Shape;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.InputEncoding;
import org.hecnn.inference.ServiceDescription;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Encrypted inference on one image, in any layout: the client (keys, encryption, decryption) and the server
 * (evaluation on the ciphertext, no secret key) exchange bytes, in this process or with `hecnn serve` (--server);
 * reports the class and probabilities and, in this process, the error against the plaintext model, the layout's
 * levels (and derived error bound), the time per layer and, for the CNN layouts, an optional precision trace.
 */
@Command(name = "infer", mixinStandardHelpOptions = true, description = "Classify one image under encryption.")
final class InferCommand implements Callable<Integer> {
    static final String[] CIFAR_CLASSES = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
        "ship", "truck"};
    /** The bundled sample: the first images of the CIFAR-10 test set (see samples/README.md). */
    static final String DEFAULT_SAMPLE = "samples/cifar10_test_first10.bin";

    @Mixin
    ModelOptions options;

    @Mixin
    RemoteOptions remote;

    @Mixin
    LocalKeyOptions keys;

    @ArgGroup(exclusive = true)
    Source source = new Source();

    /** Where the image comes from (one of them; the bundled CIFAR-10 sample by default). */
    static final class Source {
        @Option(names = "--image", description = "a PNG image of the model's input size")
        Path png;

        @Option(names = "--cifar", description = "a CIFAR-10 binary file (default: the bundled sample)")
        Path cifar;

        @Option(names = "--mnist", description = "MNIST IDX images (t10k-images-idx3-ubyte[.gz]) for a chain network "
                + "such as models/mnist_cryptonets_pow2.onnx (the vector layout unless --layout batched)")
        Path mnist;
    }

    @Option(names = "--trace", description = "packed and per-channel layouts: decrypt every layer's output and print "
            + "its error against the plaintext model (a precision trace; costs a serialisation and decryption per "
            + "layer)")
    boolean trace;

    @Option(names = "--index", description = "image index in the CIFAR-10 or MNIST file (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    int index;

    /** An image flattened in the model's input order, with its label (−1: unknown). */
    private record Sample(double[] values, int label) {
    }

    /** What an image must fit: the model's name, its values per image and its shape (null where unknown). */
    private record Expected(String model, int values, Shape shape) {
        String describe() {
            return shape != null ? shape.toString() : values + " values";
        }
    }

    @Override
    public Integer call() {
        OptionCheck.atLeast("--index", index, 0);
        keys.apply(remote.remote());
        if (remote.remote()) {
            options.requireNoModelFor("--server");
            if (trace) {
                throw new InvalidOptionException("--trace does not apply with --server: the server sends no layer "
                        + "outputs");
            }
            try (ServiceLink link = remote.link(options.backendProvider())) {
                ServiceDescription d = link.description();
                Shape shape = d.input() instanceof InputEncoding.ImagePlanes p
                        ? Shape.map(p.channels(), p.height(), p.width()) : null;
                Sample sample = read(new Expected(link.model(), d.input().valuesPerImage(), shape));
                return new InferRun(options.json, remote.server, names(sample, d.outputs())).run(link, sample.values(),
                        sample.label(), null, 0, null);
            }
        }
        ModelOptions.Family auto = source.mnist != null ? ModelOptions.Family.VECTOR : ModelOptions.Family.CNN;
        ModelOptions.Family family = options.family(auto);
        if (source.mnist != null && family == ModelOptions.Family.CNN) {
            throw new InvalidOptionException("infer --mnist runs the vector layout (or --layout batched) of a chain "
                    + "network such as models/mnist_cryptonets_pow2.onnx, not --layout " + options.layout + "; to run "
                    + "the packed or per-channel layout give the image as a PNG with --image");
        }
        if (trace && family != ModelOptions.Family.CNN) {
            throw new InvalidOptionException("--trace applies to the packed and per-channel layouts (their layers "
                    + "output channel planes), not to the " + family.name().toLowerCase(Locale.ROOT) + " layout");
        }
        Model imported = options.members().get(0);
        Sample sample = read(new Expected(imported.name(), imported.inputShape().size(), imported.inputShape()));
        long t0 = System.nanoTime();
        try (LayoutNetwork built = options.network(auto, 1, true);
             ServiceLink link = new LocalLink(built.network(), options.backendProvider())) {
            long compileNs = System.nanoTime() - t0;
            return new InferRun(options.json, null, names(sample, link.description().outputs()))
                    .run(link, sample.values(), sample.label(), built, compileNs, trace ? traceOf(built.reference(),
                            sample.values()) : null);
        }
    }

    /** The CIFAR-10 class names when the image is a CIFAR-10 (or PNG) image and the model has ten outputs. */
    private String[] names(Sample sample, int outputs) {
        return source.mnist == null && sample.values().length == 3 * 32 * 32 && outputs == 10 ? CIFAR_CLASSES : null;
    }

    /** The plaintext model's every layer output for the image, for --trace. */
    private static Map<String, Tensor> traceOf(Model reference, double[] image) {
        return new PlainEvaluator(reference).evaluateAll(Tensor.of(image, reference.inputShape().dims()));
    }

    private Sample read(Expected e) {
        if (source.mnist != null) {
            MnistIdx data = MnistIdx.load(InputFile.require("--mnist", source.mnist, "give MNIST test images in the "
                    + "IDX format (t10k-images-idx3-ubyte[.gz] with t10k-labels-idx1-ubyte[.gz] beside it; the "
                    + "README's section on data says where to get them)"));
            if (e.values() != data.rows * data.cols) {
                throw new HecnnException("the model " + e.model() + " takes " + e.describe() + " inputs but the MNIST "
                        + "images are 1x" + data.rows + "x" + data.cols + ": --mnist needs an MNIST chain network "
                        + "such as models/mnist_cryptonets_pow2.onnx");
            }
            if (index >= data.count) {
                throw new InvalidOptionException("--index must be between 0 and " + (data.count - 1) + " for "
                        + source.mnist + " (" + data.count + " images; got " + index + ")");
            }
            return new Sample(data.image(index), data.label(index));
        }
        if (source.png != null) {
            if (e.shape() == null) {
                throw new HecnnException("the model " + e.model() + " takes " + e.values() + " values per image in a "
                        + "layout that does not say their shape; give the image with --cifar or --mnist");
            }
            Shape s = e.shape();
            ImageInput.Labelled img = ImageInput.png(InputFile.require("--image", source.png, ""), s.channels(),
                    s.height(), s.width(), ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD);
            return new Sample(flatten(img.pixels()), img.label());
        }
        Path file = InputFile.require("--cifar", source.cifar != null ? source.cifar
                : Path.of(System.getProperty("hecnn.home", "."), DEFAULT_SAMPLE), ImageInput.WHERE_CIFAR);
        boolean cifarShape = e.shape() != null ? e.shape().channels() == 3 && e.shape().height() == 32
                && e.shape().width() == 32 : e.values() == 3 * 32 * 32;
        if (!cifarShape) {
            throw new HecnnException("CIFAR-10 images are 3x32x32 but the model " + e.model() + " expects "
                    + e.describe() + (e.shape() != null ? "; give --image with a PNG of that size" : ""));
        }
        ImageInput.Labelled img = ImageInput.cifar(file, index, ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD);
        return new Sample(flatten(img.pixels()), img.label());
    }

    static double[] flatten(double[][][] t) {
        double[] out = new double[t.length * t[0].length * t[0][0].length];
        int i = 0;
        for (double[][] a : t) {
            for (double[] b : a) {
                for (double v : b) {
                    out[i++] = v;
                }
            }
        }
        return out;
    }

    static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
