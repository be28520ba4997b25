package org.hecnn.cnn.compile;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hecnn.cnn.model.Add;
import org.hecnn.cnn.model.AvgPool;
import org.hecnn.cnn.model.BatchNorm;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Input;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Op;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Relu;
import org.hecnn.cnn.model.ShortcutA;
import org.hecnn.cnn.model.Tensor;

/**
 * Weight redistribution: makes the x² coefficient of every polynomial activation exactly 1, so that under CKKS
 * the activation costs only the squaring's level (method.md A.4), by pushing each activation's c2 forward.
 *
 * <p>Each value v of the original model is carried as {@code v / s} for a per-channel scale s (1 at the input).
 * Walking the graph in order:
 * <ul>
 *   <li>a convolution or linear layer (or BatchNorm) multiplies its input-channel weights by s; its output
 *       scale is 1/c2 when its only reader is an activation with x² coefficient c2 (weights and bias of output
 *       channel o multiplied by c2[o]), else 1;</li>
 *   <li>a polynomial is rewritten for its scaled input ({@code c_k <- c_k s^k}) and then divided by its x²
 *       coefficient, so it produces scale c2 (per channel);</li>
 *   <li>pools, Flatten, ShortcutA and ReLU pass scales through (ShortcutA's zero channels take any scale);
 *       a BatchNorm absorbs its input scale;</li>
 *   <li>at a residual Add both inputs must carry the same scale: a branch produced by a convolution, linear
 *       layer or BatchNorm read only by this Add can be rescaled (weights and bias of each output channel); the
 *       other branch (an activation's output through an identity or option-A shortcut) dictates the scale, and
 *       when both can be rescaled they take 1/c2 of the activation reading the Add. If neither branch can be
 *       rescaled and their scales differ, the pass fails naming the Add;</li>
 *   <li>the model output is brought back to scale 1 the same way.</li>
 * </ul>
 * Polynomials of degree below 2 or with a zero x² coefficient are left as they are.
 *
 * <p>Why 1/c2 at a layer feeding an activation: an activation whose input carries scale s produces scale
 * {@code c2 s²}. Through an identity shortcut that output becomes the next activation's input scale, so the
 * scales of a residual stream follow {@code s' = c2 s²}, which under- or overflows within a few blocks unless
 * {@code s = 1/c2}, its fixed point. Starting every stream at 1/c2 keeps all of a ResNet's residual streams at
 * 1/c2 (the stream carries {@code c2 * x}) when its activations share c2, and each activation becomes
 * {@code x² + c1 x + c0 c2}.
 */
public final class RedistributeWeights implements Pass {
    /**
     * Largest |log2| of a carried scale: a shared activation keeps the scales of a residual stream at 1/c2 (about
     * 2^2); a value carried at 2^±8 loses 8 bits of precision or of headroom, beyond which the pass refuses.
     */
    static final int MAX_SCALE_EXPONENT = 8;

    @Override
    public String name() {
        return "redistribute-weights";
    }

    @Override
    public Model apply(Model model) {
        GraphEditor g = new GraphEditor(model);
        Map<String, double[]> scale = new HashMap<>();
        for (String n : g.names()) {
            Op op = g.op(n);
            double[] s = op instanceof Input ? null : scale.get(g.inputs(n).get(0));
            double[] out = switch (op) {
                case Input i -> ones(g.shape(n).channels());
                case Conv2d c -> {
                    g.replace(n, Weights.scaleInput(c, definite(s)));
                    yield preferOutputScale(g, n);
                }
                case Linear l -> {
                    g.replace(n, Weights.scaleInput(l, definite(s)));
                    yield preferOutputScale(g, n);
                }
                case BatchNorm b -> {
                    g.replace(n, absorbInputScale(b, definite(s)));
                    yield preferOutputScale(g, n);
                }
                case Polynomial p -> normalise(g, n, p, definite(s));
                case AvgPool p -> s;
                case GlobalAvgPool p -> s;
                case Flatten f -> Weights.repeatPerPlane(s, g.shape(g.input(n)).plane());
                case ShortcutA a -> {
                    double[] o = new double[g.shape(n).channels()];
                    Arrays.fill(o, Double.NaN);
                    System.arraycopy(s, 0, o, a.padBefore(), s.length);
                    yield o;
                }
                case Relu r -> {
                    for (double v : s) {
                        if (v <= 0) {
                            throw new CompilationException("node '" + n + "': cannot pass a non-positive scale "
                                    + "through a ReLU");
                        }
                    }
                    yield s;
                }
                case Add a -> align(g, n, scale);
            };
            scale.put(n, out);
        }
        String outNode = g.output();
        double[] so = scale.get(outNode);
        if (!isOne(so)) {
            double[] target = ones(so.length);
            if (!rescalable(g, outNode, true)) {
                throw new CompilationException("the model output '" + outNode + "' carries a scale from weight "
                        + "redistribution and is not a convolution, linear layer or BatchNorm that could undo it");
            }
            rescale(g, outNode, so, target);
        }
        return g.build();
    }

    /**
     * Output scale of a just-processed weighted layer or BatchNorm: if its only reader is a polynomial of degree
     * >= 2, each output channel with a non-zero x² coefficient c2 is multiplied by c2 (scale 1/c2); otherwise 1.
     */
    private static double[] preferOutputScale(GraphEditor g, String n) {
        double[] pref = preferredInputScale(g, n);
        double[] s = ones(pref.length);
        boolean any = false;
        for (int c = 0; c < s.length; c++) {
            if (!Double.isNaN(pref[c])) {
                s[c] = pref[c];
                any = true;
            }
        }
        if (any) {
            double[] f = new double[s.length];
            for (int c = 0; c < f.length; c++) {
                f[c] = 1.0 / s[c];
            }
            g.replace(n, Weights.scaleOutput(g.op(n), f));
        }
        return s;
    }

    /** Rewrites p for input scale s, divides by c2; returns the output scale. */
    private static double[] normalise(GraphEditor g, String n, Polynomial p, double[] s) {
        int channels = g.shape(n).channels();
        int d = p.degree();
        double[][] rows = new double[channels][d + 1];
        double[] outScale = ones(channels);
        for (int ch = 0; ch < channels; ch++) {
            double pow = 1;
            for (int k = 0; k <= d; k++) {
                rows[ch][k] = p.coefficient(ch, k) * pow;
                pow *= s[ch];
            }
            if (d >= 2 && rows[ch][2] != 0) {
                double c2 = rows[ch][2];
                if (Math.abs(Math.getExponent(c2)) > MAX_SCALE_EXPONENT) {
                    throw new CompilationException("node '" + n + "', channel " + ch + ": weight redistribution "
                            + "would carry this activation's output at a scale of " + String.format("%.3g", c2)
                            + ", too far from 1 to encrypt precisely. The scales of a residual stream square at "
                            + "every activation and stay bounded only when the activations on it share one x² "
                            + "coefficient; this model's differ (per-channel or per-layer quadratics). Give every "
                            + "activation the same x² coefficient (training/README.md: per-channel models are "
                            + "converted to a shared one before export) or retrain with a shared activation.");
                }
                for (int k = 0; k <= d; k++) {
                    rows[ch][k] = k == 2 ? 1.0 : rows[ch][k] / c2;
                }
                outScale[ch] = c2;
            }
        }
        g.replace(n, Weights.collapse(rows));
        return outScale;
    }

    private static BatchNorm absorbInputScale(BatchNorm b, double[] s) {
        double[] gamma = b.gamma().toArray();
        double[] mean = b.mean().toArray();
        for (int c = 0; c < gamma.length; c++) {
            gamma[c] *= s[c];
            mean[c] /= s[c];
        }
        return new BatchNorm(Tensor.vector(gamma), b.beta(), Tensor.vector(mean), b.variance(), b.epsilon());
    }

    /**
     * Gives both inputs of an Add the same scale, per channel, and returns it. A branch that cannot be rescaled
     * dictates the scale; otherwise the Add takes the scale its reader prefers (1/c2 of a following activation,
     * see {@link #preferredInputScale}), or keeps the first branch's. Rescalable branches are rescaled to it.
     */
    private static double[] align(GraphEditor g, String n, Map<String, double[]> scale) {
        List<String> in = g.inputs(n);
        int channels = g.shape(n).channels();
        double[] pref = preferredInputScale(g, n);
        double[] target = new double[channels];
        boolean[] free = new boolean[in.size()];
        for (int k = 0; k < in.size(); k++) {
            free[k] = rescalable(g, in.get(k), false) && !in.get(k).equals(in.get(1 - k));
        }
        for (int c = 0; c < channels; c++) {
            double forced = Double.NaN;
            double kept = Double.NaN;
            for (int k = 0; k < in.size(); k++) {
                double v = scale.get(in.get(k))[c];
                if (Double.isNaN(v)) {
                    continue;
                }
                if (!free[k]) {
                    if (!Double.isNaN(forced) && !close(forced, v)) {
                        throw new CompilationException("node '" + n + "': the two inputs '" + in.get(0) + "' and '"
                                + in.get(1) + "' of this residual addition carry different scales after weight "
                                + "redistribution, and neither is a convolution, linear layer or BatchNorm read only "
                                + "by this addition that could be rescaled");
                    }
                    forced = v;
                } else if (Double.isNaN(kept)) {
                    kept = v;
                }
            }
            target[c] = !Double.isNaN(forced) ? forced : !Double.isNaN(pref[c]) ? pref[c] : kept;
        }
        for (int k = 0; k < in.size(); k++) {
            if (!free[k]) {
                continue;
            }
            double[] cur = scale.get(in.get(k));
            double[] t = new double[channels];
            boolean change = false;
            for (int c = 0; c < channels; c++) {
                t[c] = Double.isNaN(target[c]) || Double.isNaN(cur[c]) ? cur[c] : target[c];
                change |= !Double.isNaN(t[c]) && !close(t[c], cur[c]);
            }
            if (change) {
                rescale(g, in.get(k), cur, t);
                scale.put(in.get(k), t);
            }
        }
        return target;
    }

    /**
     * The input scale the single reader of {@code n} prefers: 1/c2 per channel for a polynomial of degree >= 2
     * (NaN where c2 is 0), NaN (no preference) otherwise.
     */
    private static double[] preferredInputScale(GraphEditor g, String n) {
        double[] s = new double[g.shape(n).channels()];
        Arrays.fill(s, Double.NaN);
        List<String> readers = g.consumers(n);
        if (g.isOutput(n) || readers.size() != 1 || !(g.op(readers.get(0)) instanceof Polynomial p)
                || p.degree() < 2) {
            return s;
        }
        for (int c = 0; c < s.length; c++) {
            double c2 = p.coefficient(c, 2);
            if (c2 != 0) {
                s[c] = 1.0 / c2;
            }
        }
        return s;
    }

    /** Whether node's output scale can be changed freely: a weighted layer or BatchNorm with no other reader. */
    private static boolean rescalable(GraphEditor g, String node, boolean asOutput) {
        Op op = g.op(node);
        if (!(Weights.weighted(op) || op instanceof BatchNorm)) {
            return false;
        }
        List<String> readers = g.consumers(node);
        return asOutput ? readers.isEmpty() : readers.size() == 1 && !g.isOutput(node);
    }

    /** Changes a node's output from v/current to v/target (per channel; NaN channels stay). */
    private static void rescale(GraphEditor g, String node, double[] current, double[] target) {
        double[] f = new double[current.length];
        for (int c = 0; c < f.length; c++) {
            f[c] = Double.isNaN(current[c]) || Double.isNaN(target[c]) ? 1.0 : current[c] / target[c];
        }
        g.replace(node, Weights.scaleOutput(g.op(node), f));
    }

    /** Scales with the "any" channels (NaN, zero channels of a ShortcutA) set to 1. */
    private static double[] definite(double[] s) {
        double[] out = s.clone();
        for (int c = 0; c < out.length; c++) {
            if (Double.isNaN(out[c])) {
                out[c] = 1.0;
            }
        }
        return out;
    }

    private static boolean isOne(double[] s) {
        for (double v : s) {
            if (!Double.isNaN(v) && v != 1.0) {
                return false;
            }
        }
        return true;
    }

    private static boolean close(double x, double y) {
        return Math.abs(x - y) <= 1e-12 * Math.max(Math.abs(x), Math.abs(y));
    }

    private static double[] ones(int n) {
        double[] v = new double[n];
        Arrays.fill(v, 1.0);
        return v;
    }
}
