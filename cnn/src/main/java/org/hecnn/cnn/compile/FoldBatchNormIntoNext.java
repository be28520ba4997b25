package org.hecnn.cnn.compile;

import java.util.ArrayList;
import java.util.List;

import org.hecnn.cnn.model.BatchNorm;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Op;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Shape;

/**
 * Folds a BatchNorm that no convolution absorbed (e.g. after a residual Add, or on the input) into the layers
 * that read it, when every reader can absorb the affine map {@code y = a*x + b}:
 * <ul>
 *   <li>a polynomial activation becomes {@code p(a x + b)} (per-channel coefficients);</li>
 *   <li>a linear layer (directly, or behind a Flatten read only by linear layers) or an unpadded convolution
 *       takes {@code W*a} and its bias gains {@code W*b}.</li>
 * </ul>
 * A padded convolution cannot absorb the shift b exactly (its zero padding would become b), so a BatchNorm read
 * by one stays. Run after {@link FoldBatchNormIntoConv}.
 */
public final class FoldBatchNormIntoNext implements Pass {
    @Override
    public String name() {
        return "fold-batchnorm-into-next";
    }

    @Override
    public Model apply(Model model) {
        GraphEditor g = new GraphEditor(model);
        for (String n : g.names()) {
            if (g.contains(n) && g.op(n) instanceof BatchNorm bn && !g.isOutput(n)) {
                tryFold(g, n, bn);
            }
        }
        return g.build();
    }

    private static void tryFold(GraphEditor g, String n, BatchNorm bn) {
        List<String> readers = g.consumers(n);
        List<String> flattenTargets = new ArrayList<>();
        for (String r : readers) {
            Op op = g.op(r);
            boolean ok = switch (op) {
                case Polynomial p -> true;
                case Linear l -> true;
                case Conv2d c -> c.unpadded();
                case Flatten f -> {
                    if (g.isOutput(r) || g.consumers(r).isEmpty()) {
                        yield false;
                    }
                    boolean allLinear = true;
                    for (String rr : g.consumers(r)) {
                        allLinear &= g.op(rr) instanceof Linear;
                    }
                    if (allLinear) {
                        flattenTargets.addAll(g.consumers(r));
                    }
                    yield allLinear;
                }
                default -> false;
            };
            if (!ok) {
                return;
            }
        }
        double[] a = bn.multiplier();
        double[] b = bn.offset();
        Shape shape = g.shape(n);
        for (String r : readers) {
            Op op = g.op(r);
            if (op instanceof Polynomial p) {
                g.replace(r, Weights.compose(p, a, b));
            } else if (op instanceof Linear || op instanceof Conv2d) {
                g.replace(r, Weights.absorbAffineInput(op, a, b));
            }
        }
        for (String t : flattenTargets) {
            g.replace(t, Weights.absorbAffineInput(g.op(t), Weights.repeatPerPlane(a, shape.plane()),
                    Weights.repeatPerPlane(b, shape.plane())));
        }
        g.bypass(n);
    }
}
