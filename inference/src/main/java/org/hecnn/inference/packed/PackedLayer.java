package org.hecnn.inference.packed;

import org.hecnn.inference.HeOps;
import java.util.List;
import java.util.Map;

/**
 * One node of a model compiled for the packed or per-channel layout: what it computes on each image's values, and its
 * plan (levels, scales, operation counts, plaintext bytes). Made by {@link PackedLayerCompiler}, run by
 * {@link HeNetwork}; immutable except for the lockstep switch, which is thread-confined.
 */
interface PackedLayer extends AutoCloseable {
    String node();

    String kind();

    HeValue run(HeOps ops, Map<String, HeValue> values);

    LayerPlan plan();

    /** Keeps converted plaintexts while on (several images through this layer). */
    default void reusePlaintexts(boolean on) {
    }

    /**
     * Runs several images' values through this layer, each result as {@link #run} gives it. The default runs
     * them one by one with converted plaintexts kept for all of them.
     */
    default List<HeValue> runTogether(HeOps ops, List<Map<String, HeValue>> images) {
        reusePlaintexts(true);
        try {
            return images.stream().map(values -> run(ops, values)).toList();
        } finally {
            reusePlaintexts(false);
        }
    }

    @Override
    default void close() {
    }
}
