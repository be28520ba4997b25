package org.hecnn.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hecnn.ckks.CkksContext;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.batched.BatchedProgram;
import org.hecnn.inference.vector.VectorClient;
import org.hecnn.inference.vector.VectorNetwork;
import org.hecnn.inference.vector.VectorPlan;

/**
 * `infer` for a chain network on one MNIST image: the single-image vector layout, client and server over bytes;
 * prints the class, probabilities, the logit error against plaintext, the parameters and the time per layer.
 */
final class ChainInfer {
    private ChainInfer() {
    }

    static int run(ModelOptions options, Model imported, double[] input, int label, double lo, double hi) {
        long t0 = System.nanoTime();
        VectorPlan plan = new VectorPlan(BatchedProgram.lower(imported), lo, hi,
                options.vectorScaleBits());
        try (VectorNetwork net = new VectorNetwork(plan, CkksContext.create(plan.parameters(),
                options.backendProvider()));
             VectorClient client = new VectorClient(net.describe(), options.backendProvider())) {
            long compileNs = System.nanoTime() - t0;
            long t1 = System.nanoTime();
            var keys = client.evaluationKeys();
            long keyNs = System.nanoTime() - t1;
            long t2 = System.nanoTime();
            byte[][] request = client.encrypt(input);
            long encryptNs = System.nanoTime() - t2;
            List<String[]> perLayer = new ArrayList<>();
            Progress progress = new Progress("layers");
            long t3 = System.nanoTime();
            VectorNetwork.Reply reply = net.evaluate(request, keys, (i, total, node, kind, ns, level) -> {
                perLayer.add(new String[] {node, kind, String.valueOf(level),
                    String.format(Locale.ROOT, "%.1f", ns / 1e6)});
                progress.update(i, total, node);
            });
            long evalNs = System.nanoTime() - t3;
            double[] logits = client.decrypt(reply.output());
            double[] plain = PlainEvaluator.evaluate(imported, Tensor.of(input, imported.inputShape().dims()))
                    .toArray();
            double maxErr = 0;
            for (int k = 0; k < logits.length; k++) {
                maxErr = Math.max(maxErr, Math.abs(logits[k] - plain[k]));
            }
            int predicted = InferCommand.argMax(logits);
            double[] probs = org.hecnn.cnn.ensemble.EnsembleStack.softmax(logits);
            var p = net.context().parameters();
            if (options.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("class", predicted);
                m.put("label", label);
                m.put("plaintextClass", InferCommand.argMax(plain));
                m.put("probabilities", probs);
                m.put("logits", logits);
                m.put("plaintextLogits", plain);
                m.put("maxLogitError", maxErr);
                m.put("errorBound", plan.errorBound(p));
                m.put("logN", p.logN());
                m.put("logQP", p.logQP());
                m.put("levels", plan.levels());
                m.put("layout", "vector");
                m.put("evaluateSeconds", evalNs / 1e9);
                m.put("hops", PlanCommand.counts(reply.counts()));
                System.out.println(Json.write(m));
                return 0;
            }
            System.out.println("model:       " + imported.name() + " on " + net.context() + " (vector layout: one "
                    + "image per evaluation, neurons in slots)");
            System.out.printf(Locale.ROOT, "class:       %d (plaintext model: %d, label %d)%n", predicted,
                    InferCommand.argMax(plain), label);
            System.out.print("probability:");
            for (int k = 0; k < probs.length; k++) {
                System.out.printf(Locale.ROOT, " %d %.3f", k, probs[k]);
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "logit error: %.3e (derived bound %.1e)%n", maxErr, plan.errorBound(p));
            System.out.printf(Locale.ROOT, "levels:      %d of %d data primes, %d rotation keys%n", plan.levels(),
                    p.maxLevel() + 1, net.rotationSteps().length);
            System.out.printf(Locale.ROOT, "time:        compile %.2f s, keys %.2f s, encrypt %.3f s, evaluate %.3f s%n",
                    compileNs / 1e9, keyNs / 1e9, encryptNs / 1e9, evalNs / 1e9);
            System.out.println("HOPs:        " + PlanCommand.counts(reply.counts()));
            System.out.printf(Locale.ROOT, "%-28s %-14s %5s %10s%n", "layer", "kind", "level", "ms");
            for (String[] row : perLayer) {
                System.out.printf(Locale.ROOT, "%-28s %-14s %5s %10s%n", row[0], row[1], row[2], row[3]);
            }
            return 0;
        }
    }
}
