package org.hecnn.inference.batched;

import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.DeviceKeys;
import org.hecnn.ckks.Evaluator;
import org.hecnn.inference.HeOps;
import org.hecnn.io.CiphertextCodec;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.OpCounts;
import org.hecnn.rlwe.EvaluationKeys;

/**
 * The server side of batched inference (one image per slot, one ciphertext per neuron): runs a
 * {@link BatchedPlan} on ciphertexts with evaluation keys only. Affine layers are additions, exact integer
 * multiplications and scale-only changes; squarings are tensor products whose relinearisation and rescale wait
 * until the next affine layer has summed them.
 */
public final class BatchedNetwork implements AutoCloseable {
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

    public CkksContext context() {
        return context;
    }

    /** The description a client needs. */
    public BatchedInterface describe() {
        return new BatchedInterface(context.parameters(), plan.program().inputs(), plan.program().outputs(),
                Math.scalb(1.0, plan.precision().inputScaleBits()), -plan.inputBound(), plan.inputBound());
    }

    /** Result of one evaluation: the serialised output ciphertexts, the operations that ran, time per stage. */
    public record Reply(byte[][] outputs, OpCounts counts, long[] stageNanos) {
    }

    /** Evaluates a request (one serialised ciphertext per input neuron) with the client's evaluation keys. */
    public Reply evaluate(byte[][] request, EvaluationKeys keys, LayerProgress progress) {
        if (request.length != plan.program().inputs()) {
            throw new IllegalArgumentException("the network takes " + plan.program().inputs()
                    + " input ciphertexts (one per input neuron), not " + request.length);
        }
        Ciphertext[] inputs = new Ciphertext[request.length];
        try (DeviceKeys device = DeviceKeys.of(context, keys)) {
            java.util.stream.IntStream.range(0, request.length).parallel()
                    .forEach(i -> inputs[i] = CiphertextCodec.read(context, request[i]));
            Evaluated e = evaluate(inputs, new Evaluator(context, device), progress);
            byte[][] out = new byte[e.outputs.length][];
            for (int k = 0; k < out.length; k++) {
                out[k] = CiphertextCodec.write(e.outputs[k]);
                e.outputs[k].close();
            }
            return new Reply(out, e.counts, e.stageNanos);
        } finally {
            for (Ciphertext c : inputs) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    private record Evaluated(Ciphertext[] outputs, OpCounts counts, long[] stageNanos) {
    }

    private Evaluated evaluate(Ciphertext[] inputs, Evaluator evaluator, LayerProgress progress) {
        HeOps ops = new HeOps(evaluator);
        var stages = plan.program().stages();
        long[] nanos = new long[stages.size()];
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
            nanos[i] = System.nanoTime() - t0;
            progress.layerDone(i + 1, stages.size(), describe(s), s instanceof BatchedProgram.Affine ? "affine"
                    : "square", nanos[i], x[0].level());
        }
        return new Evaluated(x, ops.counts(), nanos);
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
