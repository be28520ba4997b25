package org.hecnn.inference;

/** Receives one call per evaluated layer, for progress bars and per-layer timing tables. */
@FunctionalInterface
public interface LayerProgress {
    /** Layer {@code index} of {@code total} (named {@code node}) finished after {@code nanos} nanoseconds. */
    void layerDone(int index, int total, String node, String kind, long nanos, int level);

    LayerProgress NONE = (i, t, n, k, ns, l) -> { };
}
