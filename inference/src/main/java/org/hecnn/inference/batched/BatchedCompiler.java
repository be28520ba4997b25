package org.hecnn.inference.batched;

import org.hecnn.inference.chain.BatchedProgram;
import org.hecnn.backend.BackendProvider;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.cnn.model.Model;

/** The one-call path from an imported chain model to a batched encrypted network. */
public final class BatchedCompiler {
    private BatchedCompiler() {
    }

    /** Lowers and plans a model for inputs in [inputLo, inputHi]. */
    public static BatchedPlan plan(Model imported, double inputLo, double inputHi, BatchedPlan.Precision precision) {
        if (!(inputLo <= inputHi) || !Double.isFinite(inputLo) || !Double.isFinite(inputHi)) {
            throw new IllegalArgumentException("invalid input range [" + inputLo + ", " + inputHi + "]");
        }
        return new BatchedPlan(BatchedProgram.lower(imported), inputLo, inputHi, precision);
    }

    /**
     * Compiles for up to {@code batch} images per evaluation on the smallest secure ring that holds them, or on
     * {@code parameters} when given (tests).
     */
    public static BatchedNetwork compile(Model imported, double inputLo, double inputHi,
                                         BatchedPlan.Precision precision, int batch, CkksParameters parameters,
                                         BackendProvider backend) {
        BatchedPlan plan = plan(imported, inputLo, inputHi, precision);
        CkksParameters p = parameters != null ? parameters : plan.parameters(batch);
        return new BatchedNetwork(plan, CkksContext.create(p, backend));
    }
}
