package org.hecnn.inference.packed;

import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.Layout;
import org.hecnn.inference.OpCounts;
import java.util.List;
import org.hecnn.ckks.CkksContext;
import org.hecnn.cnn.model.Model;
import org.hecnn.ring.RnsRing;

/**
 * What a model compiled for the packed or per-channel layout plans to compute, without any plaintext: one
 * {@link LayerPlan} per layer in evaluation order, the rotation steps the keys must cover with the highest level each
 * is used at, where the client puts the image, the input level and scale, and the number of logits. The compiler
 * compares layouts and sizes the plaintext memory with it before it encodes anything. Immutable.
 */
public record PackedPlan(Layout layout, List<LayerPlan> layers, int[] rotationSteps, int[] rotationLevels,
                         FeatureMap inputMap, int inputLevel, double inputScale, int outputs) {
    public PackedPlan {
        layers = List.copyOf(layers);
    }

    /** Plans a prepared model for one layout (nothing is encoded). */
    public static PackedPlan of(Model prepared, CkksContext context, PrecisionTargets targets, Layout layout,
                                int maxBabySteps) {
        PackedLayerCompiler compiler = new PackedLayerCompiler(prepared, context, targets, PlaintextBanks.encoding(PlaintextBank.Mode.PLAN_ONLY),
                layout, maxBabySteps);
        PackedPlan plan = compiler.plan();
        compiler.layers().forEach(PackedLayer::close);
        return plan;
    }

    /** Total operation counts per image. */
    public OpCounts counts() {
        OpCounts total = OpCounts.ZERO;
        for (LayerPlan l : layers) {
            total = total.plus(l.counts());
        }
        return total;
    }

    /** Estimated work of one evaluation under {@link CostModel}. */
    public double estimatedCost(RnsRing ring) {
        return new CostModel(ring).cost(layers);
    }

    /** Bytes the plaintexts take kept in NTT form. */
    public long plaintextBytesIfNtt() {
        return layers.stream().mapToLong(LayerPlan::plaintextBytesIfNtt).sum();
    }

    /** Bytes the plaintexts take kept as coefficients. */
    public long plaintextBytesIfCoefficients() {
        return layers.stream().mapToLong(LayerPlan::plaintextBytesIfCoefficients).sum();
    }
}
