package org.hecnn.cnn.compile;

import java.util.List;

import org.hecnn.cnn.model.BatchNorm;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Op;
import org.hecnn.cnn.model.Tensor;

/**
 * Folds every BatchNorm whose input is a convolution (or linear layer) used by nothing else into that layer:
 * {@code W[o] <- W[o] * g[o]}, {@code b[o] <- (b[o] - mean[o]) * g[o] + beta[o]} with
 * {@code g = gamma / sqrt(var + eps)}. Other BatchNorms are left for {@link FoldBatchNormIntoNext}.
 */
public final class FoldBatchNormIntoConv implements Pass {
    @Override
    public String name() {
        return "fold-batchnorm-into-conv";
    }

    @Override
    public Model apply(Model model) {
        GraphEditor g = new GraphEditor(model);
        for (String n : g.names()) {
            if (!(g.op(n) instanceof BatchNorm bn)) {
                continue;
            }
            String src = g.input(n);
            Op prev = g.op(src);
            if (!Weights.weighted(prev) || !g.consumers(src).equals(List.of(n)) || g.isOutput(src)) {
                continue;
            }
            g.replace(src, fold(prev, bn));
            g.bypass(n);
        }
        return g.build();
    }

    /** The layer followed by the BatchNorm, as one layer. */
    static Op fold(Op layer, BatchNorm bn) {
        double[] a = bn.multiplier();
        Tensor bias = layer instanceof Conv2d c ? c.bias() : ((Linear) layer).bias();
        double[] nb = new double[a.length];
        for (int o = 0; o < a.length; o++) {
            nb[o] = (bias.get(o) - bn.mean().get(o)) * a[o] + bn.beta().get(o);
        }
        Op scaled = Weights.scaleOutput(layer, a);
        return switch (scaled) {
            case Conv2d c -> c.withParameters(c.weight(), Tensor.vector(nb));
            case Linear l -> new Linear(l.weight(), Tensor.vector(nb));
            default -> throw new IllegalStateException();
        };
    }
}
