package org.hecnn.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hecnn.cnn.ensemble.EnsembleStack;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.OpCounts;

/**
 * eval's encrypted pass, the same for every layout and for a local or remote server: the images go in requests of
 * up to {@code perRequest} images (the batched layout carries one per slot), {@code together} requests per server
 * call (in lockstep where the layout shares work between them), and each image's result into the records. It
 * measures every server call.
 */
final class EncryptedPass {
    private final List<Double> callSeconds = new ArrayList<>();
    private double encryptSeconds;
    private OpCounts counts;

    /** Seconds of an untimed first call (NaN: none was made). */
    private double warmupSeconds = Double.NaN;

    private EncryptedPass() {
    }

    /**
     * Evaluates the images {@code from + i} for each i of {@code pending} through {@code link}.
     *
     * @param plains the plaintext model's outputs by i (null: unknown, as for a remote model)
     * @param warmUp whether to make one untimed call first
     */
    static EncryptedPass run(ServiceLink link, EvalImages images, int from, List<Integer> pending, double[][] plains,
                             int perRequest, int together, boolean warmUp, EvalRecords records) {
        EncryptedPass pass = new EncryptedPass();
        int members = link.description().members();
        if (warmUp && !pending.isEmpty()) {
            double[][] first = inputs(images, from, pending.subList(0, Math.min(perRequest, pending.size())));
            long t0 = System.nanoTime();
            link.infer(first, LayerProgress.NONE, null);
            pass.warmupSeconds = (System.nanoTime() - t0) / 1e9;
        }
        Progress progress = new Progress("images");
        int perCall = perRequest * together;
        for (int start = 0; start < pending.size(); start += perCall) {
            List<Integer> call = pending.subList(start, Math.min(pending.size(), start + perCall));
            List<double[][]> requests = new ArrayList<>();
            for (int r = 0; r < call.size(); r += perRequest) {
                requests.add(inputs(images, from, call.subList(r, Math.min(call.size(), r + perRequest))));
            }
            List<double[][]> outputs = requests.size() == 1
                    ? List.<double[][]>of(link.infer(requests.get(0), LayerProgress.NONE, null))
                    : link.inferTogether(requests);
            ServiceLink.Timing t = link.last();
            pass.callSeconds.add(t.seconds());
            pass.encryptSeconds += t.encryptSeconds();
            pass.counts = t.counts();
            int k = 0;
            for (double[][] request : outputs) {
                for (double[] logits : request) {
                    int i = call.get(k++);
                    double[] plain = plains == null ? null : plains[i];
                    double err = 0;
                    for (int c = 0; plain != null && c < logits.length; c++) {
                        err = Math.max(err, Math.abs(logits[c] - plain[c]));
                    }
                    records.add(new EvalRecords.Entry(from + i, images.label(from + i),
                            plain == null ? -1 : predicted(plain, members), predicted(logits, members),
                            plain == null ? Double.NaN : margin(decisionScores(plain, members)),
                            plain == null ? Double.NaN : err, t.seconds() / call.size()));
                }
            }
            progress.update(start + call.size(), pending.size(), "image " + (from + call.get(call.size() - 1)));
        }
        return pass;
    }

    private static double[][] inputs(EvalImages images, int from, List<Integer> which) {
        double[][] out = new double[which.size()][];
        for (int j = 0; j < out.length; j++) {
            out[j] = images.input(from + which.get(j));
        }
        return out;
    }

    /** Server calls made (the warm-up not counted). */
    int calls() {
        return callSeconds.size();
    }

    /** The median time of a server call. */
    double medianSeconds() {
        double[] s = callSeconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s[s.length / 2];
    }

    /** Encryption time per call (NaN when the link cannot see it). */
    double encryptSecondsPerCall() {
        return encryptSeconds / calls();
    }

    /** The operations of the last call (null when the link cannot see them). */
    OpCounts counts() {
        return counts;
    }

    double warmupSeconds() {
        return warmupSeconds;
    }

    /** The scores a prediction is the arg-max of: the logits, or for an ensemble the members' mean softmax. */
    static double[] decisionScores(double[] outputs, int members) {
        return members == 1 ? outputs : EnsembleStack.averageSoftmax(outputs, members);
    }

    /** Largest minus second-largest score. */
    static double margin(double[] scores) {
        double[] s = scores.clone();
        Arrays.sort(s);
        return s.length < 2 ? Double.POSITIVE_INFINITY : s[s.length - 1] - s[s.length - 2];
    }

    /** The class an output vector predicts: for an ensemble, the arg-max of the members' mean softmax. */
    static int predicted(double[] outputs, int members) {
        return InferCommand.argMax(decisionScores(outputs, members));
    }
}
