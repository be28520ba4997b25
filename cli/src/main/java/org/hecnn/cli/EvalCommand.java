package org.hecnn.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hecnn.HecnnException;
import org.hecnn.cnn.ensemble.EnsembleStack;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.NetworkCompiler;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.hecnn.inference.service.ServiceDescription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Accuracy on a range of a CIFAR-10 binary file (or of MNIST IDX data, through {@link ChainEval}): plaintext accuracy of the model, and (unless --plain) encrypted
 * accuracy, agreement between encrypted and plaintext predictions, the largest logit error and mean latency.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model on a range of CIFAR-10 or MNIST images, in plaintext and under encryption.")
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Option(names = "--data", required = true, description = "CIFAR-10 binary file, or MNIST IDX images "
            + "(t10k-images-idx3-ubyte[.gz], labels read from the sibling file; runs the batched layout)")
    Path data;

    @Option(names = "--features", description = "a public feature extractor (ONNX) the client runs in plaintext; "
            + "the encrypted --model is the private head (batched layout)")
    Path features;

    @Option(names = "--input-range", split = ",", description = "lo,hi: the range of the encrypted model's inputs "
            + "the batched plan is proven for (default: the MNIST normalisation range; see the model card)")
    double[] inputRange;

    @Option(names = "--batch", description = "MNIST: images per evaluation (default: one per slot of the smallest "
            + "secure ring)", defaultValue = "0")
    int batch;

    @Option(names = "--from", description = "first image index (default: ${DEFAULT-VALUE})", defaultValue = "0")
    int from;

    @Option(names = "--count", description = "number of images (default: all from --from)", defaultValue = "-1")
    int count;

    @Option(names = "--plain", description = "plaintext evaluation only")
    boolean plainOnly;

    @Option(names = "--together", description = "CIFAR: evaluate this many images in lockstep, converting each "
            + "plaintext once for all of them (throughput; default: ${DEFAULT-VALUE})", defaultValue = "1")
    int together;

    @Override
    public Integer call() {
        double[] range = inputRange != null ? inputRange : new double[] {MnistIdx.lowest(), MnistIdx.highest()};
        if (range.length != 2 || !(range[0] < range[1])) {
            throw new HecnnException("--input-range takes lo,hi with lo < hi");
        }
        if (MnistIdx.isIdxImages(data)) {
            return ChainEval.run(options, data, ChainEval.mnist(data), null, range, from, count, batch, plainOnly);
        }
        if (features != null || options.batched() || options.vector()) {
            return ChainEval.run(options, data, ChainEval.cifar(data), features == null ? null
                    : org.hecnn.cnn.onnx.OnnxImporter.load(features), range, from, count, batch, plainOnly);
        }
        if (together < 1) {
            throw new HecnnException("--together must be at least 1");
        }
        int total = ImageInput.cifarCount(data);
        int n = count < 0 ? total - from : count;
        if (from < 0 || n < 1 || from + n > total) {
            throw new HecnnException("images " + from + ".." + (from + n - 1) + " are outside " + data + " (" + total
                    + " images)");
        }
        java.util.List<Model> members = options.members();
        Model imported = members.get(0);
        int memberCount = members.size();
        int plainCorrect = 0;
        int heCorrect = 0;
        int agree = 0;
        double maxErr = 0;
        long heNanos = 0;
        Progress progress = new Progress("images");
        NetworkCompiler.Compiled compiled = plainOnly ? null : options.compile(members, true);
        // The compiled network's own prepared model (passes, clustering, stacking done once) is the reference.
        Model reference = compiled != null ? compiled.model() : options.reference(members);
        try (InferenceClient client = compiled == null ? null : new InferenceClient(
                ServiceDescription.fromBytes(new InferenceServer(compiled.network()).description().toBytes(),
                        compiled.network().context().parameters().isInsecure()), options.backendProvider())) {
            InferenceServer server = compiled == null ? null : new InferenceServer(compiled.network());
            InferenceServer.Session session = server == null ? null : KeyTransfer.open(client, server).session();
            for (int first = 0; first < n; first += together) {
                int size = Math.min(together, n - first);
                java.util.List<byte[]> requests = new java.util.ArrayList<>();
                ImageInput.Labelled[] imgs = new ImageInput.Labelled[size];
                double[][] plains = new double[size][];
                for (int j = 0; j < size; j++) {
                    imgs[j] = ImageInput.cifar(data, from + first + j, ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD);
                    plains[j] = PlainEvaluator.evaluate(reference, Tensor.of(InferCommand.flatten(imgs[j].pixels()),
                            imported.inputShape().dims())).toArray();
                    plainCorrect += predicted(plains[j], memberCount) == imgs[j].label() ? 1 : 0;
                    if (session != null) {
                        requests.add(client.encrypt(imgs[j].pixels()));
                    }
                }
                if (session != null) {
                    long t0 = System.nanoTime();
                    java.util.List<byte[]> responses = size == 1
                            ? java.util.List.of(session.evaluate(requests.get(0), LayerProgress.NONE))
                            : session.evaluateTogether(requests, LayerProgress.NONE);
                    heNanos += System.nanoTime() - t0;
                    for (int j = 0; j < size; j++) {
                        double[] logits = client.decrypt(responses.get(j));
                        int h = predicted(logits, memberCount);
                        heCorrect += h == imgs[j].label() ? 1 : 0;
                        agree += h == predicted(plains[j], memberCount) ? 1 : 0;
                        for (int k = 0; k < logits.length; k++) {
                            maxErr = Math.max(maxErr, Math.abs(logits[k] - plains[j][k]));
                        }
                    }
                }
                progress.update(first + size, n, "image " + (from + first + size - 1));
            }
        } finally {
            if (compiled != null) {
                compiled.close();
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", n);
        m.put("members", memberCount);
        m.put("clusters", options.clusters);
        m.put("plaintextAccuracy", plainCorrect / (double) n);
        if (!plainOnly) {
            m.put("accuracy", heCorrect / (double) n);
            m.put("agreement", agree / (double) n);
            m.put("maxLogitError", maxErr);
            m.put("meanSecondsPerImage", heNanos / 1e9 / n);
            m.put("imagesPerEvaluation", together);
        } else {
            m.put("accuracy", plainCorrect / (double) n);
        }
        if (options.json) {
            System.out.println(Json.write(m));
        } else {
            System.out.printf(Locale.ROOT, "%d images from %s, model %s%n", n, data, reference.name());
            System.out.printf(Locale.ROOT, "plaintext accuracy %.2f%%%n", 100.0 * plainCorrect / n);
            if (!plainOnly) {
                System.out.printf(Locale.ROOT, "encrypted accuracy %.2f%%, agreement with plaintext %.2f%%, largest "
                        + "logit error %.3e, %.2f s per image%s%n", 100.0 * heCorrect / n, 100.0 * agree / n, maxErr,
                        heNanos / 1e9 / n, together > 1 ? " (amortised: " + together + " images in lockstep)" : "");
            }
        }
        return 0;
    }

    /** The class an output vector predicts: for an ensemble, the arg-max of the members' mean softmax. */
    private static int predicted(double[] outputs, int members) {
        return InferCommand.argMax(EnsembleStack.averageSoftmax(outputs, members));
    }
}
