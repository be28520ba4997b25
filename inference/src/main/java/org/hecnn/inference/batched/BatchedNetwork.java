package org.hecnn.inference.batched;

import org.hecnn.inference.chain.BatchedProgram;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.InputEncoding;
import org.hecnn.inference.LayerObserver;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.OutputDecoding;
import org.hecnn.inference.ServiceDescription;

/**
 * The batched layout's network (one image per slot, one ciphertext per neuron): runs a {@link BatchedPlan} on
 * ciphertexts with evaluation keys only. Affine layers are additions, exact integer multiplications and scale-only
 * changes; squarings are tensor products whose relinearisation and rescale wait until the next affine layer has
 * summed them. Thread safety: as {@link EncryptedNetwork} (the plan is immutable; each evaluation uses its own
 * ciphertexts).
 */
public final class BatchedNetwork implements EncryptedNetwork {
    private final BatchedPlan plan;
    private final CkksContext context;

    /** Frees the engine. */
    @Override
    public void close() {
        context.close();
    }

    public BatchedNetwork(BatchedPlan plan, CkksContext context) {
        this.plan = plan;
        this.context = context;
    }

    public BatchedPlan plan() {
        return plan;
    }

    @Override
    public CkksContext context() {
        return context;
    }

    @Override
    public String name() {
        return plan.program().name();
    }

    @Override
    public OpCounts plannedCounts() {
        return plan.counts();
    }

    /** None: affine layers multiply by exact integers and scale factors, not by plaintexts. */
    @Override
    public long plaintextBytes() {
        return 0;
    }

    /**
     * The request (one ciphertext per input neuron, kept by the caller) plus the largest stage's inputs and outputs
     * alive together, all counted at the top level.
     */
    @Override
    public long workingSetBytes() {
        long widest = 0;
        int inputs = plan.program().inputs();
        for (BatchedPlan.StagePlan stage : plan.stagePlans()) {
            widest = Math.max(widest, (long) inputs + stage.outputs());
            inputs = stage.outputs();
        }
        ServiceDescription d = description();
        return (plan.program().inputs() + widest + TEMPORARY_CIPHERTEXTS) * d.ciphertextBytes(d.inputLevel());
    }

    /** Neurons in, neurons out, one image per slot; no rotation; inputs at the top level within the planned range. */
    @Override
    public ServiceDescription description() {
        return new ServiceDescription(context.parameters(), new InputEncoding.NeuronBatch(plan.program().inputs()),
                new OutputDecoding.PerNeuron(plan.program().outputs()), context.parameters().maxLevel(),
                Math.scalb(1.0, plan.precision().inputScaleBits()), -plan.inputBound(), plan.inputBound(), new int[0],
                new int[0], 1, Double.POSITIVE_INFINITY);
    }

    @Override
    public Ciphertext[] evaluate(HeOps ops, Ciphertext[] inputs, LayerProgress progress, LayerObserver observer) {
        if (inputs.length != plan.program().inputs()) {
            throw new IllegalArgumentException("the network takes " + plan.program().inputs()
                    + " input ciphertexts (one per input neuron), not " + inputs.length);
        }
        var stages = plan.program().stages();
        Ciphertext[] x = inputs;
        for (int i = 0; i < stages.size(); i++) {
            long t0 = System.nanoTime();
            var s = stages.get(i);
            Ciphertext[] y;
            if (s instanceof BatchedProgram.Affine) {
                y = plan.layer(i).evaluate(ops, x);
            } else {
                y = ops.squareAllNoRelinearize(x);
            }
            for (BatchedPlan.Reduction r : plan.reductions()) {
                if (r.stage() == i) {
                    y = ops.relinearizeAndRescaleAll(y, r.relinearize(), r.primes());
                }
            }
            if (x != inputs) {
                closeAll(x);
            }
            x = y;
            progress.layerDone(i + 1, stages.size(), describe(s), s instanceof BatchedProgram.Affine ? "affine"
                    : "square", System.nanoTime() - t0, x[0].level());
        }
        return x;
    }

    private static String describe(BatchedProgram.Stage s) {
        return s instanceof BatchedProgram.Affine a ? a.nodes() : ((BatchedProgram.Square) s).nodes() + " (square)";
    }

    private static void closeAll(Ciphertext[] cts) {
        for (Ciphertext c : cts) {
            c.close();
        }
    }
}
