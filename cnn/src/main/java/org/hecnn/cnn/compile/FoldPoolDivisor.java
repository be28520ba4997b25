package org.hecnn.cnn.compile;

import java.util.ArrayList;
import java.util.List;

import org.hecnn.cnn.model.AvgPool;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Op;

/**
 * Makes every average pool a pure window sum (scale 1) by moving its divisor into a neighbouring weighted layer:
 * forward, into the weights of every convolution or linear layer reading the pool (through Flattens), or, if a
 * reader is not weighted, backward into the convolution or linear layer producing the pool's input when the pool
 * is its only reader (weights and bias). A pool with neither keeps its divisor.
 */
public final class FoldPoolDivisor implements Pass {
    @Override
    public String name() {
        return "fold-pool-divisor";
    }

    @Override
    public Model apply(Model model) {
        GraphEditor g = new GraphEditor(model);
        for (String n : g.names()) {
            Op op = g.op(n);
            double s;
            Op sum;
            if (op instanceof AvgPool p && !p.pureSum()) {
                s = p.scale();
                sum = p.withScale(1.0);
            } else if (op instanceof GlobalAvgPool p && !p.pureSum()) {
                s = p.scaleFor(g.shape(g.input(n)));
                sum = new GlobalAvgPool(1.0);
            } else {
                continue;
            }
            List<String> targets = forwardTargets(g, n);
            if (targets != null) {
                for (String t : targets) {
                    g.replace(t, Weights.scaleInput(g.op(t), uniform(s, inputWidth(g, t))));
                }
                g.replace(n, sum);
                continue;
            }
            String src = g.input(n);
            if (Weights.weighted(g.op(src)) && g.consumers(src).equals(List.of(n)) && !g.isOutput(src)) {
                g.replace(src, Weights.scaleOutput(g.op(src), uniform(s, g.shape(src).channels())));
                g.replace(n, sum);
            }
        }
        return g.build();
    }

    /** The weighted layers reading {@code n} (through Flattens), or null if some reader is not weighted. */
    private static List<String> forwardTargets(GraphEditor g, String n) {
        if (g.isOutput(n)) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String r : g.consumers(n)) {
            Op op = g.op(r);
            if (Weights.weighted(op)) {
                out.add(r);
            } else if (op instanceof Flatten) {
                List<String> more = forwardTargets(g, r);
                if (more == null) {
                    return null;
                }
                out.addAll(more);
            } else {
                return null;
            }
        }
        return out.isEmpty() ? null : out;
    }

    private static int inputWidth(GraphEditor g, String layer) {
        return g.shape(g.input(layer)).channels();
    }

    private static double[] uniform(double s, int n) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, s);
        return v;
    }
}
