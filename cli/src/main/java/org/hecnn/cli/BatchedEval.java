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

/**
 * `eval` on MNIST IDX data: the batched layout, one image per slot. Reports plaintext and encrypted accuracy,
 * agreement, the largest logit error, time per evaluation (median over batches), amortised time per image,
 * client-side encryption time and the HOPs of one evaluation.
 */
final class BatchedEval {
    private BatchedEval() {
    }

    static int run(ModelOptions options, Path data, int from, int count, int batch, boolean plainOnly) {
        MnistIdx mnist = MnistIdx.load(data);
        int n = count < 0 ? mnist.count - from : count;
        if (from < 0 || n < 1 || from + n > mnist.count) {
            throw new HecnnException("images " + from + ".." + (from + n - 1) + " are outside " + data + " ("
                    + mnist.count + " images)");
        }
        Model imported = options.load();
        if (imported.inputShape().size() != mnist.rows * mnist.cols) {
            throw new HecnnException("the model takes " + imported.inputShape() + " but " + data + " holds "
                    + mnist.rows + "x" + mnist.cols + " images");
        }
        int[] plainPred = new int[n];
        double[][] plainLogits = new double[n][];
        int plainCorrect = 0;
        for (int i = 0; i < n; i++) {
            plainLogits[i] = PlainEvaluator.evaluate(imported, Tensor.of(mnist.image(from + i),
                    imported.inputShape().dims())).toArray();
            plainPred[i] = InferCommand.argMax(plainLogits[i]);
            plainCorrect += plainPred[i] == mnist.label(from + i) ? 1 : 0;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", n);
        m.put("plaintextAccuracy", plainCorrect / (double) n);
        if (plainOnly) {
            m.put("accuracy", plainCorrect / (double) n);
            report(options, m, data, imported, null);
            return 0;
        }
        try (BatchedNetwork net = BatchedCompiler.compile(imported, MnistIdx.lowest(), MnistIdx.highest(),
                options.batchedPrecision(), batch > 0 ? batch : 1, null, options.backendProvider());
             BatchedClient client = new BatchedClient(net.describe(), options.backendProvider())) {
            int capacity = net.describe().capacity();
            int perBatch = batch > 0 ? Math.min(batch, capacity) : capacity;
            int batches = (n + perBatch - 1) / perBatch;
            var keys = client.evaluationKeys();
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
                double[][] images = new double[size][];
                for (int i = 0; i < size; i++) {
                    images[i] = mnist.image(from + first + i);
                }
                long t0 = System.nanoTime();
                byte[][] request = client.encrypt(images);
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
                    heCorrect += h == mnist.label(from + k) ? 1 : 0;
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
            m.put("logN", p.logN());
            m.put("logQP", p.logQP());
            m.put("levels", net.plan().levels());
            m.put("hops", PlanCommand.counts(counts));
            report(options, m, data, imported, net);
        }
        return 0;
    }

    private static void report(ModelOptions options, Map<String, Object> m, Path data, Model model,
                               BatchedNetwork net) {
        if (options.json) {
            System.out.println(Json.write(m));
            return;
        }
        int n = (Integer) m.get("images");
        System.out.printf(Locale.ROOT, "%d images from %s, model %s%n", n, data, model.name());
        System.out.printf(Locale.ROOT, "plaintext accuracy %.2f%%%n", 100 * (Double) m.get("plaintextAccuracy"));
        if (net == null) {
            return;
        }
        System.out.printf(Locale.ROOT, "batched layout: N = 2^%d, log QP %d, %d levels, %d images per evaluation%n",
                m.get("logN"), m.get("logQP"), m.get("levels"), m.get("imagesPerEvaluation"));
        System.out.printf(Locale.ROOT, "encrypted accuracy %.2f%%, agreement with plaintext %.2f%%, largest logit "
                        + "error %.3e%n", 100 * (Double) m.get("accuracy"), 100 * (Double) m.get("agreement"),
                m.get("maxLogitError"));
        System.out.printf(Locale.ROOT, "server: %.2f s per evaluation (median of %d), %.3f ms per image amortised; "
                        + "client encryption %.2f s per evaluation%n", m.get("medianSecondsPerEvaluation"),
                m.get("evaluations"), m.get("amortisedMillisecondsPerImage"), m.get("encryptSecondsPerEvaluation"));
        System.out.println("HOPs per evaluation: " + m.get("hops"));
    }
}
