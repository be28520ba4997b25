package org.hecnn.cnn.cluster;

import java.util.ArrayList;
import java.util.List;

import org.hecnn.cnn.compile.Pass;
import org.hecnn.cnn.compile.Passes;
import org.hecnn.cnn.model.Model;

/**
 * Pass lists with clustering in the right place: after {@link Passes#standard()} (BatchNorm fusion, pool-divisor
 * fusion and weight redistribution rescale weights per channel, so clustering before them would not leave k shared
 * values in the compiled model).
 */
public final class ClusteringPasses {
    private ClusteringPasses() {
    }

    /** {@link Passes#standard()} followed by {@link WeightClustering} with the default seed. */
    public static List<Pass> afterStandard(int k, Granularity granularity) {
        return afterStandard(k, granularity, WeightClustering.DEFAULT_SEED);
    }

    /** {@link Passes#standard()} followed by {@link WeightClustering} with the given seed. */
    public static List<Pass> afterStandard(int k, Granularity granularity, long seed) {
        List<Pass> passes = new ArrayList<>(Passes.standard());
        passes.add(new WeightClustering(k, granularity, seed, WeightKMeans.DEFAULT_MAX_ITERATIONS));
        return List.copyOf(passes);
    }

    /** Each member through {@link Passes#standard()}, then {@link EnsembleClustering} over all of them. */
    public static List<Model> ensembleAfterStandard(List<Model> members, int k, Granularity granularity, long seed) {
        List<Model> prepared = new ArrayList<>();
        for (Model m : members) {
            prepared.add(Passes.standard(m));
        }
        return new EnsembleClustering(k, granularity, seed, WeightKMeans.DEFAULT_MAX_ITERATIONS).apply(prepared);
    }
}
