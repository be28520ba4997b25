package org.hecnn.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hecnn.cnn.ensemble.EnsembleStack;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.LayerProgress;

/**
 * infer's one flow for every layout and for a local or remote server: keys, one encrypted image, its decrypted
 * logits and probabilities, and the report. With the network in this process ({@code built}) it adds the plaintext
 * model's logits and the error against them, the layout's own notes and, given the plaintext model's layer outputs,
 * a precision trace.
 *
 * @param server the remote server's address (null in this process)
 * @param names  class names to print (null: class numbers)
 */
record InferRun(boolean json, String server, String[] names) {
    /** Runs one image through {@code link}; {@code plainLayers} (null: no trace) are the plaintext layer outputs. */
    int run(ServiceLink link, double[] image, int label, LayoutNetwork built, long compileNs,
            Map<String, Tensor> plainLayers) {
        long t0 = System.nanoTime();
        long keyBytes = Phase.run("generating and sending the evaluation keys", link::openSession);
        double keySeconds = (System.nanoTime() - t0) / 1e9;
        List<String[]> perLayer = new ArrayList<>();
        Progress progress = new Progress("layers");
        LayerProgress layers = (i, total, node, kind, ns, level) -> {
            perLayer.add(new String[] {node, kind, String.valueOf(level),
                String.format(Locale.ROOT, "%.1f", ns / 1e6)});
            progress.update(i, total, node);
        };
        List<String> traceRows = new ArrayList<>();
        ServiceLink.LayerValues trace = plainLayers == null ? null
                : (node, values) -> traceRows.add(traceRow(node, values, plainLayers.get(node)));
        double[][] images = {image};
        double[] logits = link.remote()
                ? Phase.run("evaluating on " + server, () -> link.infer(images, layers, trace))[0]
                : link.infer(images, layers, trace)[0];
        ServiceLink.Timing t = link.last();
        int members = link.description().members();
        double[] probs = EnsembleStack.averageSoftmax(logits, members);
        int predicted = InferCommand.argMax(probs);
        Model reference = built == null ? null : built.reference();
        double[] plain = reference == null ? null
                : PlainEvaluator.evaluate(reference, Tensor.of(image, reference.inputShape().dims())).toArray();
        double maxErr = 0;
        for (int k = 0; plain != null && k < logits.length; k++) {
            maxErr = Math.max(maxErr, Math.abs(logits[k] - plain[k]));
        }
        Integer plainClass = plain == null ? null : InferCommand.argMax(EnsembleStack.averageSoftmax(plain, members));
        Map<String, Object> m = new LinkedHashMap<>();
        if (server != null) {
            m.put("server", server);
        }
        m.put("class", predicted);
        m.put("className", names == null ? null : names[predicted]);
        m.put("label", label);
        m.put("model", link.model());
        m.put("members", members);
        m.put("probabilities", probs);
        m.put("logits", logits);
        if (plain != null) {
            m.put("plaintextClass", plainClass);
            m.put("plaintextLogits", plain);
            m.put("maxLogitError", maxErr);
        }
        link.putParameters(m);
        if (built != null) {
            built.summary(m);
            m.put("evaluateSeconds", t.seconds());
            m.put("requestBytes", t.requestBytes());
            m.put("responseBytes", t.responseBytes());
            m.put("hops", PlanCommand.counts(t.counts()));
        } else {
            m.put("roundTripSeconds", t.seconds());
            m.put("keyBytes", keyBytes);
        }
        m.put("evaluationKeyBytes", keyBytes);
        m.put("keySeconds", keySeconds);
        if (json) {
            System.out.println(Json.write(m));
            return 0;
        }
        System.out.println("model:       " + link.model() + " (" + link.layout() + " layout) on "
                + (server != null ? server : built.network().context().toString()));
        if (built != null) {
            built.notes().forEach(System.out::println);
        }
        System.out.printf(Locale.ROOT, "class:       %d%s%s%n", predicted, names == null ? "" : " " + names[predicted],
                (plainClass == null ? "" : " (plaintext model: " + plainClass + ")")
                        + (label >= 0 ? ", label " + label : ""));
        System.out.print(members > 1 ? "probability (mean of " + members + " members' softmax):" : "probability:");
        for (int k = 0; k < probs.length; k++) {
            System.out.printf(Locale.ROOT, " %s %.3f", names == null ? String.valueOf(k) : names[k], probs[k]);
        }
        System.out.println();
        if (plain != null) {
            System.out.printf(Locale.ROOT, "logit error: %.3e (max |encrypted - plaintext| over %d logits)%n", maxErr,
                    logits.length);
        }
        if (built == null) {
            System.out.printf(Locale.ROOT, "time:        keys %.2f s (%.1f MiB uploaded), encrypt + evaluate + "
                    + "decrypt %.2f s%n", keySeconds, keyBytes / 1048576.0, t.seconds());
            return 0;
        }
        System.out.printf(Locale.ROOT, "time:        compile %.2f s, keys %.2f s (%.1f MiB), encrypt %.2f s "
                + "(%.1f MiB), evaluate %.2f s, decrypt %.3f s%n", compileNs / 1e9, keySeconds, keyBytes / 1048576.0,
                t.encryptSeconds(), t.requestBytes() / 1048576.0, t.seconds(), t.decryptSeconds());
        System.out.println("HOPs:        " + PlanCommand.counts(t.counts()));
        System.out.printf(Locale.ROOT, "%-28s %-14s %5s %10s%n", "layer", "kind", "level", "ms");
        for (String[] row : perLayer) {
            System.out.printf(Locale.ROOT, "%-28s %-14s %5s %10s%n", row[0], row[1], row[2], row[3]);
        }
        if (plainLayers != null) {
            System.out.printf(Locale.ROOT, "%n%-28s %12s %12s %9s%n", "layer (trace)", "max |plain|", "max |error|",
                    "bits");
            traceRows.forEach(System.out::println);
        }
        return 0;
    }

    /** One trace line: the largest plaintext value of a layer, the largest error of its decryption, their ratio. */
    private static String traceRow(String node, java.util.function.IntFunction<double[]> values, Tensor plain) {
        if (plain == null) {
            return String.format(Locale.ROOT, "%-28s %12s", node, "(no plaintext node)");
        }
        double[] want = plain.toArray();
        double[] got = values.apply(want.length);
        double maxPlain = 0;
        double maxErr = 0;
        for (int k = 0; k < want.length; k++) {
            maxPlain = Math.max(maxPlain, Math.abs(want[k]));
            maxErr = Math.max(maxErr, Math.abs(got[k] - want[k]));
        }
        return String.format(Locale.ROOT, "%-28s %12.4g %12.3e %9.1f", node, maxPlain, maxErr,
                Math.log(maxPlain / maxErr) / Math.log(2));
    }
}
