package org.hecnn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hecnn.HecnnException;
import org.hecnn.cnn.ensemble.EnsembleStack;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.HeNetwork;
import org.hecnn.inference.NetworkCompiler;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.hecnn.inference.service.ServiceDescription;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Encrypted inference on one image: compiles the model, runs client (keys, encryption, decryption) and server
 * (evaluation on the ciphertext, no secret key) over serialised bytes, and reports the class, probabilities,
 * the error against plaintext evaluation, the levels used and the time per layer.
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

    @ArgGroup(exclusive = true)
    Source source = new Source();

    static final class Source {
        @Option(names = "--image", description = "a PNG image of the model's input size")
        Path png;

        @Option(names = "--cifar", description = "a CIFAR-10 binary file (default: the bundled sample)")
        Path cifar;

        @Option(names = "--mnist", description = "MNIST IDX images (t10k-images-idx3-ubyte[.gz]): one image in the "
                + "single-image vector layout (chain networks such as models/mnist_cryptonets_pow2.onnx)")
        Path mnist;
    }

    @Option(names = "--trace", description = "decrypt every layer's output and print its error against the "
            + "plaintext model (a precision trace; costs a serialisation and decryption per layer)")
    boolean trace;

    @Option(names = "--index", description = "image index in the CIFAR-10 or MNIST file (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    int index;

    @Override
    public Integer call() {
        OptionCheck.atLeast("--index", index, 0);
        if (remote.remote()) {
            options.requireNoModelFor("--server");
            if (source.mnist != null || trace) {
                throw new InvalidOptionException((trace ? "--trace" : "--mnist") + " does not apply with --server: the "
                        + "model is on the server");
            }
            return RemoteRun.infer(remote, options.backendProvider(), source.png, source.cifar, index, options.json);
        }
        if (source.mnist != null) {
            return inferMnist();
        }
        List<Model> members = options.members();
        Model imported = members.get(0);
        ImageInput.Labelled image = readImage(imported);
        options.checkBeforeCompiling();
        long t0 = System.nanoTime();
        try (NetworkCompiler.Compiled compiled = Phase.run("compiling " + imported.name(),
                () -> options.compile(members, true))) {
            long compileNs = System.nanoTime() - t0;
            HeNetwork net = compiled.network();
            InferenceServer server = new InferenceServer(compiled);
            ServiceDescription service = ServiceDescription.fromBytes(server.description().toBytes(),
                    net.context().parameters().isInsecure());
            try (InferenceClient client = new InferenceClient(service, options.backendProvider())) {
                long t1 = System.nanoTime();
                KeyTransfer.Opened opened = Phase.run("generating and sending the evaluation keys",
                        () -> KeyTransfer.open(client, server));
                InferenceServer.Session session = opened.session();
                long keyBytes = opened.keyBytes();
                long keyNs = System.nanoTime() - t1;
                long t2 = System.nanoTime();
                byte[] request = client.encrypt(image.pixels());
                long encryptNs = System.nanoTime() - t2;
                List<String[]> perLayer = new ArrayList<>();
                Progress progress = new Progress("layers");
                Map<String, Tensor> plainAll = trace ? new PlainEvaluator(compiled.model()).evaluateAll(
                        Tensor.of(flatten(image.pixels()), imported.inputShape().dims())) : Map.of();
                List<String> traceRows = new ArrayList<>();
                long t3 = System.nanoTime();
                org.hecnn.inference.LayerProgress layerProgress = (i, total, node, kind, ns, level) -> {
                    perLayer.add(new String[] {node, kind, String.valueOf(level),
                        String.format(Locale.ROOT, "%.1f", ns / 1e6)});
                    progress.update(i, total, node);
                };
                byte[] response = trace
                        ? session.evaluate(request, layerProgress, (node, cts, map) ->
                                traceRows.add(traceRow(client, node, cts, map, plainAll.get(node))))
                        : session.evaluate(request, layerProgress);
                long evalNs = System.nanoTime() - t3;
                long t4 = System.nanoTime();
                double[] logits = client.decrypt(response);
                long decryptNs = System.nanoTime() - t4;
                double[] plain = PlainEvaluator.evaluate(compiled.model(), Tensor.of(flatten(image.pixels()),
                        imported.inputShape().dims())).toArray();
                double maxErr = 0;
                for (int k = 0; k < logits.length; k++) {
                    maxErr = Math.max(maxErr, Math.abs(logits[k] - plain[k]));
                }
                double[] probs = EnsembleStack.averageSoftmax(logits, client.members());
                int predicted = argMax(probs);
                int plainPredicted = argMax(EnsembleStack.averageSoftmax(plain, compiled.members()));
                String[] names = probs.length == 10 && imported.inputShape().channels() == 3 ? CIFAR_CLASSES : null;
                if (options.json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("class", predicted);
                    m.put("className", names == null ? null : names[predicted]);
                    m.put("label", image.label());
                    m.put("plaintextClass", plainPredicted);
                    m.put("members", compiled.members());
                    m.put("probabilities", probs);
                    m.put("logits", logits);
                    m.put("plaintextLogits", plain);
                    m.put("maxLogitError", maxErr);
                    m.put("inputLevel", net.inputLevel());
                    m.put("logN", net.context().parameters().logN());
                    m.put("logQP", net.context().parameters().logQP());
                    m.put("layout", net.layout().name());
                    m.put("rescaling", ModelOptions.rescalingName(compiled.targets()));
                    m.put("evaluateSeconds", evalNs / 1e9);
                    m.put("requestBytes", request.length);
                    m.put("responseBytes", response.length);
                    m.put("evaluationKeyBytes", keyBytes);
                    System.out.println(Json.write(m));
                    return 0;
                }
                System.out.println("model:       " + compiled.model().name() + " on " + net.context());
                System.out.println("decisions:   " + compiled.decisions());
                System.out.printf(Locale.ROOT, "class:       %d%s (plaintext model: %d%s)%n", predicted,
                        names == null ? "" : " " + names[predicted], plainPredicted,
                        image.label() >= 0 ? ", label " + image.label() : "");
                System.out.print(compiled.members() > 1 ? "probability (mean of " + compiled.members()
                        + " members' softmax):" : "probability:");
                for (int k = 0; k < probs.length; k++) {
                    System.out.printf(Locale.ROOT, " %s %.3f", names == null ? String.valueOf(k) : names[k], probs[k]);
                }
                System.out.println();
                System.out.printf(Locale.ROOT, "logit error: %.3e (max |encrypted - plaintext| over %d logits)%n",
                        maxErr, logits.length);
                System.out.printf(Locale.ROOT, "levels:      input at level %d of %d, result at level 0%n",
                        net.inputLevel(), net.context().parameters().maxLevel());
                System.out.printf(Locale.ROOT, "time:        compile %.2f s, keys %.2f s (%.1f MiB), encrypt %.2f s "
                        + "(%.1f MiB), evaluate %.2f s, decrypt %.3f s%n", compileNs / 1e9, keyNs / 1e9,
                        keyBytes / 1048576.0, encryptNs / 1e9, request.length / 1048576.0, evalNs / 1e9,
                        decryptNs / 1e9);
                System.out.printf(Locale.ROOT, "%-28s %-14s %5s %10s%n", "layer", "kind", "level", "ms");
                for (String[] row : perLayer) {
                    System.out.printf(Locale.ROOT, "%-28s %-14s %5s %10s%n", row[0], row[1], row[2], row[3]);
                }
                if (trace) {
                    System.out.printf(Locale.ROOT, "%n%-28s %12s %12s %9s%n", "layer (trace)", "max |plain|",
                            "max |error|", "bits");
                    traceRows.forEach(System.out::println);
                }
                return 0;
            }
        }
    }

    /** One MNIST image in the single-image vector layout (chain networks such as the CryptoNets model). */
    private int inferMnist() {
        String layout = options.layout.toLowerCase(java.util.Locale.ROOT);
        if (!layout.equals("auto") && !layout.equals("vector")) {
            throw new InvalidOptionException("infer --mnist runs the vector layout (chain networks such as "
                    + "models/mnist_cryptonets_pow2.onnx), not --layout " + options.layout + "; to run the packed or "
                    + "per-channel layout give the image as a PNG with --image");
        }
        InputFile.require("--mnist", source.mnist, "give MNIST test images in the IDX format "
                + "(t10k-images-idx3-ubyte[.gz] with t10k-labels-idx1-ubyte[.gz] beside it; the README's section on "
                + "data says where to get them)");
        Model imported = options.load();
        MnistIdx data = MnistIdx.load(source.mnist);
        var shape = imported.inputShape();
        if (shape.size() != data.rows * data.cols) {
            throw new HecnnException("the model " + imported.name() + " takes " + shape + " inputs but the MNIST "
                    + "images are 1x" + data.rows + "x" + data.cols + ": --mnist needs an MNIST chain network such as "
                    + "models/mnist_cryptonets_pow2.onnx");
        }
        if (index >= data.count) {
            throw new InvalidOptionException("--index must be between 0 and " + (data.count - 1) + " for "
                    + source.mnist + " (" + data.count + " images; got " + index + ")");
        }
        return ChainInfer.run(options, imported, data.image(index), data.label(index), MnistIdx.lowest(),
                MnistIdx.highest());
    }

    /** One trace line: the largest plaintext value of a layer, the largest error of its decryption, their ratio. */
    private static String traceRow(InferenceClient client, String node, byte[] cts,
                                   org.hecnn.inference.FeatureMap map, Tensor plain) {
        if (plain == null) {
            return String.format(Locale.ROOT, "%-28s %12s", node, "(no plaintext node)");
        }
        double[] want = plain.toArray();
        double[] got = map.channels() * map.height() * map.width() == want.length
                ? flatten(client.decryptLayer(cts, map)) : client.decryptSlots(cts, want.length);
        double maxPlain = 0;
        double maxErr = 0;
        for (int k = 0; k < want.length; k++) {
            maxPlain = Math.max(maxPlain, Math.abs(want[k]));
            maxErr = Math.max(maxErr, Math.abs(got[k] - want[k]));
        }
        return String.format(Locale.ROOT, "%-28s %12.4g %12.3e %9.1f", node, maxPlain, maxErr,
                Math.log(maxPlain / maxErr) / Math.log(2));
    }

    private ImageInput.Labelled readImage(Model model) {
        var shape = model.inputShape();
        if (source.png != null) {
            return ImageInput.png(InputFile.require("--image", source.png, ""), shape.channels(), shape.height(),
                    shape.width(), ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD);
        }
        Path file = InputFile.require("--cifar", source.cifar != null ? source.cifar
                : Path.of(System.getProperty("hecnn.home", "."), DEFAULT_SAMPLE), ImageInput.WHERE_CIFAR);
        ImageInput.requireCifarShape(shape);
        return ImageInput.cifar(file, index, ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD);
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
