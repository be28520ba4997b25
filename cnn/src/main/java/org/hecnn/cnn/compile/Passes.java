package org.hecnn.cnn.compile;

import java.util.List;

import org.hecnn.cnn.model.Model;

/** The standard pass order and a helper to run a list of passes. */
public final class Passes {
    private Passes() {
    }

    /**
     * The plaintext-side passes in order: BatchNorm into the preceding convolution, remaining BatchNorms into the
     * following layer, average-pool divisors into a neighbouring weighted layer, and weight redistribution
     * (x² coefficients 1).
     */
    public static List<Pass> standard() {
        return List.of(new FoldBatchNormIntoConv(), new FoldBatchNormIntoNext(), new FoldPoolDivisor(),
                new RedistributeWeights());
    }

    /** Applies the passes in order. */
    public static Model run(Model model, List<Pass> passes) {
        Model m = model;
        for (Pass p : passes) {
            m = p.apply(m);
        }
        return m;
    }

    /** Applies {@link #standard()}. */
    public static Model standard(Model model) {
        return run(model, standard());
    }
}
