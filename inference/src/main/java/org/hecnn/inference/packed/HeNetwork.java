package org.hecnn.inference.packed;

import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.LayerObserver;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.Layout;
import org.hecnn.inference.OpCounts;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;

/**
 * A model compiled for encrypted evaluation in the packed or per-channel layout on one {@link CkksContext}: the
 * runner of the layers {@link PackedLayerCompiler} made, whose plaintexts are encoded once and reused for every
 * image; {@link #packedPlan()} says what it computes. Closing it frees the plaintexts (the context is the caller's).
 *
 * <p>Thread safety: immutable after construction; {@link #evaluate} and {@link #evaluateTogether} may run from many
 * threads at once, each with its own {@link HeOps} (lockstep keeps converted plaintexts for its own thread only).
 */
public final class HeNetwork implements AutoCloseable {
    private final Model model;
    private final CkksContext context;
    private final List<PackedLayer> layers;
    private final PackedPlan plan;
    private final PlaintextBanks banks;
    private final int maxBabySteps;

    public HeNetwork(Model model, CkksContext context, PrecisionTargets targets, PlaintextBank.Mode mode) {
        this(model, context, targets, mode, Layout.PACKED);
    }

    public HeNetwork(Model model, CkksContext context, PrecisionTargets targets, PlaintextBank.Mode mode,
                     Layout layout) {
        this(model, context, targets, mode, layout, Integer.MAX_VALUE);
    }

    /** As above, limiting convolutions to {@code maxBabySteps} baby steps (fewer distinct rotation keys). */
    public HeNetwork(Model model, CkksContext context, PrecisionTargets targets, PlaintextBank.Mode mode,
                     Layout layout, int maxBabySteps) {
        this(model, context, targets, PlaintextBanks.encoding(mode), layout, maxBabySteps);
    }

    /** As above with the plaintexts made by {@code banks} (encoded, or read from compiled plaintexts). */
    public HeNetwork(Model model, CkksContext context, PrecisionTargets targets, PlaintextBanks banks,
                     Layout layout, int maxBabySteps) {
        this.model = model;
        this.context = context;
        this.banks = banks;
        this.maxBabySteps = maxBabySteps;
        PackedLayerCompiler compiler = new PackedLayerCompiler(model, context, targets, banks, layout, maxBabySteps);
        this.layers = List.copyOf(compiler.layers());
        this.plan = compiler.plan();
    }

    /** The banks that made this network's plaintexts, in the order they were made. */
    PlaintextBanks plaintextBanks() {
        return banks;
    }

    /** The most baby steps its convolutions were allowed. */
    int maxBabySteps() {
        return maxBabySteps;
    }

    /** What this network computes: layer plans, rotations, input map and level, outputs. */
    public PackedPlan packedPlan() {
        return plan;
    }

    /** The plan: one line per compiled layer, in evaluation order. */
    public java.util.List<LayerPlan> plan() {
        return plan.layers();
    }

    /** Total operation counts per image. */
    public OpCounts totalCounts() {
        return plan.counts();
    }

    /** Rotation steps the evaluation keys must cover. */
    public int[] rotationSteps() {
        return plan.rotationSteps().clone();
    }

    /** For each of {@link #rotationSteps()}, the highest level it is used at. */
    public int[] rotationLevels() {
        return plan.rotationLevels().clone();
    }

    /** Highest level a relinearisation happens at (the first activation's input level). */
    public int relinearizationLevel() {
        return plan.inputLevel();
    }

    public Layout layout() {
        return plan.layout();
    }

    /** Estimated work of one evaluation under {@link CostModel}. */
    public double estimatedCost() {
        return plan.estimatedCost(context.ring());
    }

    /** Where the client puts the image. */
    public FeatureMap inputMap() {
        return plan.inputMap();
    }

    public int inputLevel() {
        return plan.inputLevel();
    }

    public double inputScale() {
        return plan.inputScale();
    }

    /** Number of logits, found in slots 0..outputs−1 of the result. */
    public int outputs() {
        return plan.outputs();
    }

    public CkksContext context() {
        return context;
    }

    public Model model() {
        return model;
    }

    /** Runs the network on an encrypted input (one ciphertext per {@link #inputMap()} ciphertext). */
    public Ciphertext evaluate(HeOps ops, Ciphertext[] input, LayerProgress progress) {
        return evaluate(ops, input, progress, LayerObserver.NONE);
    }

    /** As {@link #evaluate(HeOps, Ciphertext[], LayerProgress)}, showing every layer's output to an observer. */
    public Ciphertext evaluate(HeOps ops, Ciphertext[] input, LayerProgress progress, LayerObserver observer) {
        Pass pass = new Pass(input);
        int index = 0;
        for (PackedLayer layer : layers) {
            long t0 = System.nanoTime();
            HeValue v = pass.run(layer, ops);
            observer.layerOutput(layer.node(), v.ciphertexts(), v.map());
            progress.layerDone(++index, layers.size(), layer.node(), layer.kind(), System.nanoTime() - t0, v.level());
        }
        return pass.logits();
    }

    /**
     * Runs several images layer by layer in lockstep: each layer prepares each plaintext once for every image
     * (convolutions multiply it into all images' sums as it is transformed; other layers keep converted plaintexts
     * for the group), for throughput — the latency of each image is that of the whole group. Every image's result is
     * bit-identical to {@link #evaluate}'s. Returns the logits ciphertext of each image, in order.
     */
    public List<Ciphertext> evaluateTogether(HeOps ops, List<Ciphertext[]> inputs, LayerProgress progress) {
        List<Pass> passes = inputs.stream().map(Pass::new).toList();
        int index = 0;
        for (PackedLayer layer : layers) {
            long t0 = System.nanoTime();
            List<HeValue> outputs = layer.runTogether(ops, passes.stream().map(Pass::values).toList());
            for (int m = 0; m < passes.size(); m++) {
                passes.get(m).record(layer, outputs.get(m));
            }
            progress.layerDone(++index, layers.size(), layer.node(), layer.kind(), System.nanoTime() - t0,
                    outputs.get(0).level());
        }
        return passes.stream().map(Pass::logits).toList();
    }

    /** One image's way through the layers: each node's value, closed once its last consumer has run. */
    private final class Pass {
        private final Map<String, HeValue> values = new HashMap<>();
        private final Map<String, Integer> remainingUses = new HashMap<>();

        Pass(Ciphertext[] input) {
            if (input.length != plan.inputMap().ciphertexts()) {
                throw new IllegalArgumentException("expected " + plan.inputMap().ciphertexts() + " input ciphertexts, got "
                        + input.length);
            }
            for (Node n : model.nodes()) {
                remainingUses.put(n.name(), model.consumers(n.name()).size());
            }
            values.put(model.input().name(), new HeValue(input, plan.inputMap()));
        }

        Map<String, HeValue> values() {
            return values;
        }

        /** Runs one layer on this image's values and closes the inputs no later layer reads. */
        HeValue run(PackedLayer layer, HeOps ops) {
            return record(layer, layer.run(ops, values));
        }

        /** Stores the layer's output for this image and closes the inputs no later layer reads. */
        HeValue record(PackedLayer layer, HeValue v) {
            values.put(layer.node(), v);
            for (String in : new TreeSet<>(model.node(layer.node()).inputs())) {
                if (remainingUses.merge(in, -1, Integer::sum) == 0 && !in.equals(model.input().name())) {
                    values.remove(in).close();
                }
            }
            return v;
        }

        Ciphertext logits() {
            return values.get(model.output().name()).ciphertexts()[0];
        }
    }

    @Override
    public void close() {
        for (PackedLayer l : layers) {
            l.close();
        }
    }
}
