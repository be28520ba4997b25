package org.hecnn.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.hecnn.HecnnException;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.batched.BatchedClient;
import org.hecnn.inference.batched.BatchedCompiler;
import org.hecnn.inference.batched.BatchedNetwork;
import org.hecnn.inference.batched.BatchedProgram;
import org.hecnn.inference.vector.VectorClient;
import org.hecnn.inference.vector.VectorNetwork;
import org.hecnn.inference.vector.VectorPlan;
import org.hecnn.ckks.CkksContext;
import org.hecnn.inference.LayerProgress;

/**
 * `eval` with the batched layout (one image per slot): MNIST IDX data, or CIFAR-10 through a public feature
 * extractor that the client runs in plaintext before encrypting the features (private transfer learning: the
 * server runs only the private head). Reports plaintext and encrypted accuracy, agreement, the largest logit
 * error, time per evaluation (median over batches, after one untimed warm-up evaluation), amortised time per image,
 * client-side time and the HOPs of one evaluation.
 */
final class ChainEval {
    private ChainEval() {
    }

    /** Labelled images, already normalised, flattened in the model's input order. */
    interface Images {
        int count();

        double[] image(int i);

        int label(int i);
    }

    static Images mnist(Path data) {
        MnistIdx m = MnistIdx.load(data);
        return new Images() {
            public int count() {
                return m.count;
            }

            public double[] image(int i) {
                return m.image(i);
            }

            public int label(int i) {
                return m.label(i);
            }
        };
    }

    static Images cifar(Path data) {
        int total = ImageInput.cifarCount(data);
        return new Images() {
            public int count() {
                return total;
            }

            public double[] image(int i) {
                return InferCommand.flatten(ImageInput.cifar(data, i, ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD)
                        .pixels());
            }

            public int label(int i) {
                return ImageInput.cifar(data, i, ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD).label();
            }
        };
    }

    /**
     * @param features a public feature extractor the client runs in plaintext, or null
     * @param range    the input range of the encrypted model (its first input after any feature extractor)
     * @param count    how many images from {@code from} on, or null for all
     * @param batch    images per evaluation, or null for one per slot
     */
    static int run(ModelOptions options, Path data, Images images, Model features, double[] range, int from,
                   Integer count, Integer batch, boolean plainOnly) {
        int pool = ImageRange.available(data, images.count(), from, count);
        int n = count == null ? pool : count;
        Model imported = options.load();
        double[][] inputs = new double[n][];
        int[] labels = new int[n];
        long featureNanos = System.nanoTime();
        for (int i = 0; i < n; i++) {
            double[] img = images.image(from + i);
            if (features != null) {
                if (features.inputShape().size() != img.length) {
                    throw new HecnnException("the feature extractor takes " + features.inputShape() + " but the "
                            + "images have " + img.length + " values");
                }
                img = PlainEvaluator.evaluate(features, Tensor.of(img, features.inputShape().dims())).toArray();
            }
            if (imported.inputShape().size() != img.length) {
                throw new HecnnException("the model takes " + imported.inputShape() + " but receives " + img.length
                        + " values per image" + (features == null ? "" : " from the feature extractor"));
            }
            inputs[i] = img;
            labels[i] = images.label(from + i);
        }
        featureNanos = System.nanoTime() - featureNanos;
        int[] plainPred = new int[n];
        double[][] plainLogits = new double[n][];
        int plainCorrect = 0;
        for (int i = 0; i < n; i++) {
            plainLogits[i] = PlainEvaluator.evaluate(imported, Tensor.of(inputs[i], imported.inputShape().dims()))
                    .toArray();
            plainPred[i] = InferCommand.argMax(plainLogits[i]);
            plainCorrect += plainPred[i] == labels[i] ? 1 : 0;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", n);
        m.put("plaintextAccuracy", plainCorrect / (double) n);
        if (plainOnly) {
            m.put("accuracy", plainCorrect / (double) n);
            report(options, m, data, imported, false);
            return 0;
        }
        if (options.vector()) {
            runVector(options, imported, inputs, labels, plainPred, plainLogits, range, m);
            report(options, m, data, imported, true);
            return 0;
        }
        try (BatchedNetwork net = BatchedCompiler.compile(imported, range[0], range[1],
                options.batchedPrecision(), batch != null ? batch : 1, null, options.backendProvider());
             BatchedClient client = new BatchedClient(net.describe(), options.backendProvider())) {
            int capacity = net.describe().capacity();
            int perBatch = batch != null ? Math.min(batch, capacity) : capacity;
            int batches = (n + perBatch - 1) / perBatch;
            var keys = client.evaluationKeys();
            // one untimed evaluation first: the JIT compiles the vector kernels (seconds on a busy machine)
            long w0 = System.nanoTime();
            net.evaluate(client.encrypt(java.util.Arrays.copyOfRange(inputs, 0, Math.min(perBatch, n))), keys,
                    LayerProgress.NONE);
            m.put("warmupSeconds", (System.nanoTime() - w0) / 1e9);
            long[] evalNanos = new long[batches];
            long encryptNanos = 0;
            int heCorrect = 0;
            int agree = 0;
            double maxErr = 0;
            OpCounts counts = null;
            Progress progress = new Progress("batches");
            for (int b = 0; b < batches; b++) {
                int first = b * perBatch;
                int size = Math.min(perBatch, n - first);
                long t0 = System.nanoTime();
                byte[][] request = client.encrypt(java.util.Arrays.copyOfRange(inputs, first, first + size));
                long t1 = System.nanoTime();
                final int batchIndex = b;
                BatchedNetwork.Reply reply = net.evaluate(request, keys, (i, t, node, kind, ns, level) ->
                        progress.update(batchIndex * t + i, batches * t, String.format(Locale.ROOT,
                                "batch %d/%d: %s %.2fs", batchIndex + 1, batches, node, ns / 1e9)));
                long t2 = System.nanoTime();
                double[][] logits = client.decrypt(reply.outputs(), size);
                encryptNanos += t1 - t0;
                evalNanos[b] = t2 - t1;
                counts = reply.counts();
                for (int i = 0; i < size; i++) {
                    int k = first + i;
                    int h = InferCommand.argMax(logits[i]);
                    heCorrect += h == labels[k] ? 1 : 0;
                    agree += h == plainPred[k] ? 1 : 0;
                    for (int c = 0; c < logits[i].length; c++) {
                        maxErr = Math.max(maxErr, Math.abs(logits[i][c] - plainLogits[k][c]));
                    }
                }
            }
            long[] sorted = evalNanos.clone();
            Arrays.sort(sorted);
            double median = sorted[sorted.length / 2] / 1e9;
            var p = net.context().parameters();
            m.put("accuracy", heCorrect / (double) n);
            m.put("agreement", agree / (double) n);
            m.put("maxLogitError", maxErr);
            m.put("layout", "batched");
            m.put("imagesPerEvaluation", perBatch);
            m.put("evaluations", batches);
            m.put("medianSecondsPerEvaluation", median);
            m.put("amortisedMillisecondsPerImage", 1e3 * Arrays.stream(evalNanos).sum() / 1e9 / n);
            m.put("encryptSecondsPerEvaluation", encryptNanos / 1e9 / batches);
            if (features != null) {
                m.put("clientFeatureSecondsPerImage", featureNanos / 1e9 / n);
            }
            m.put("logN", p.logN());
            m.put("logQP", p.logQP());
            m.put("levels", net.plan().levels());
            m.put("hops", PlanCommand.counts(counts));
            report(options, m, data, imported, true);
        }
        return 0;
    }

    /** One image per evaluation in the single-image vector layout; fills m like the batched path. */
    private static void runVector(ModelOptions options, Model imported, double[][] inputs, int[] labels,
                                  int[] plainPred, double[][] plainLogits, double[] range, Map<String, Object> m) {
        VectorPlan plan = new VectorPlan(BatchedProgram.lower(imported), range[0], range[1],
                options.vectorScaleBits());
        int n = inputs.length;
        try (VectorNetwork net = new VectorNetwork(plan, CkksContext.create(plan.parameters(),
                options.backendProvider()));
             VectorClient client = new VectorClient(net.describe(), options.backendProvider())) {
            var keys = client.evaluationKeys();
            long w0 = System.nanoTime();
            net.evaluate(client.encrypt(inputs[0]), keys, LayerProgress.NONE);
            m.put("warmupSeconds", (System.nanoTime() - w0) / 1e9);
            long[] evalNanos = new long[n];
            long encryptNanos = 0;
            int heCorrect = 0;
            int agree = 0;
            double maxErr = 0;
            OpCounts counts = null;
            Progress progress = new Progress("images");
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                byte[][] request = client.encrypt(inputs[i]);
                long t1 = System.nanoTime();
                VectorNetwork.Reply reply = net.evaluate(request, keys, LayerProgress.NONE);
                long t2 = System.nanoTime();
                double[] logits = client.decrypt(reply.output());
                encryptNanos += t1 - t0;
                evalNanos[i] = t2 - t1;
                counts = reply.counts();
                int h = InferCommand.argMax(logits);
                heCorrect += h == labels[i] ? 1 : 0;
                agree += h == plainPred[i] ? 1 : 0;
                for (int c = 0; c < logits.length; c++) {
                    maxErr = Math.max(maxErr, Math.abs(logits[c] - plainLogits[i][c]));
                }
                progress.update(i + 1, n, String.format(Locale.ROOT, "%.2fs", (t2 - t1) / 1e9));
            }
            long[] sorted = evalNanos.clone();
            Arrays.sort(sorted);
            var p = net.context().parameters();
            m.put("accuracy", heCorrect / (double) n);
            m.put("agreement", agree / (double) n);
            m.put("maxLogitError", maxErr);
            m.put("layout", "vector");
            m.put("imagesPerEvaluation", 1);
            m.put("evaluations", n);
            m.put("medianSecondsPerEvaluation", sorted[n / 2] / 1e9);
            m.put("amortisedMillisecondsPerImage", 1e3 * Arrays.stream(evalNanos).sum() / 1e9 / n);
            m.put("encryptSecondsPerEvaluation", encryptNanos / 1e9 / n);
            m.put("logN", p.logN());
            m.put("logQP", p.logQP());
            m.put("levels", plan.levels());
            m.put("rotationKeys", net.rotationSteps().length);
            m.put("errorBound", plan.errorBound(p));
            m.put("hops", PlanCommand.counts(counts));
        }
    }

    private static void report(ModelOptions options, Map<String, Object> m, Path data, Model model,
                               boolean encrypted) {
        if (options.json) {
            System.out.println(Json.write(m));
            return;
        }
        int n = (Integer) m.get("images");
        System.out.printf(Locale.ROOT, "%d images from %s, model %s%n", n, data, model.name());
        System.out.printf(Locale.ROOT, "plaintext accuracy %.2f%%%n", 100 * (Double) m.get("plaintextAccuracy"));
        if (!encrypted) {
            return;
        }
        System.out.printf(Locale.ROOT, "%s layout: N = 2^%d, log QP %d, %d levels, %d images per evaluation%n",
                m.get("layout"), m.get("logN"), m.get("logQP"), m.get("levels"), m.get("imagesPerEvaluation"));
        System.out.printf(Locale.ROOT, "encrypted accuracy %.2f%%, agreement with plaintext %.2f%%, largest logit "
                        + "error %.3e%n", 100 * (Double) m.get("accuracy"), 100 * (Double) m.get("agreement"),
                m.get("maxLogitError"));
        System.out.printf(Locale.ROOT, "server: %.2f s per evaluation (median of %d), %.3f ms per image amortised; "
                        + "client encryption %.2f s per evaluation%n", m.get("medianSecondsPerEvaluation"),
                m.get("evaluations"), m.get("amortisedMillisecondsPerImage"), m.get("encryptSecondsPerEvaluation"));
        if (m.containsKey("clientFeatureSecondsPerImage")) {
            System.out.printf(Locale.ROOT, "client: public features in plaintext %.3f s per image%n",
                    m.get("clientFeatureSecondsPerImage"));
        }
        System.out.println("HOPs per evaluation: " + m.get("hops"));
    }
}
