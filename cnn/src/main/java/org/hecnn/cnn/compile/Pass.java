package org.hecnn.cnn.compile;

import org.hecnn.cnn.model.Model;

/**
 * One compilation step: a function-preserving rewrite of a model (up to floating-point rounding). Passes are
 * stateless and may be applied to any model; one that finds nothing to do returns an equivalent model.
 */
public interface Pass {
    /** A short name for logs and plans. */
    String name();

    /**
     * The rewritten model.
     *
     * @throws CompilationException if the model cannot be rewritten (the message says why)
     */
    Model apply(Model model);
}
