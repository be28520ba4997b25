package org.hecnn.cnn.cluster;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hecnn.cnn.compile.GraphEditor;
import org.hecnn.cnn.compile.Pass;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;
import org.hecnn.cnn.model.Tensor;

/**
 * Parameter clustering of one model (method part A, item 9): 1-D k-means over the weights of every {@link Conv2d}
 * (per layer or per kernel column, see {@link Granularity}), each weight replaced by its centroid, so that each
 * layer has at most k distinct weight values per codebook. Biases, linear layers and non-convolution nodes are not
 * touched. A codebook whose weights already take at most k distinct values is left exactly as it is.
 *
 * <p><b>Order.</b> Run it after {@link org.hecnn.cnn.compile.Passes#standard()}: BatchNorm fusion and weight
 * redistribution multiply each output channel (and input channel) by its own factor, which would turn k shared
 * values back into up to k·Co·Ci different ones. {@link ClusteringPasses#afterStandard(int, Granularity)} gives the
 * standard passes followed by this one. The clustered weights are then exactly the values the encrypted
 * convolution encodes.
 *
 * <p>Unlike the function-preserving passes, this one changes the model's outputs (by an amount that shrinks as k
 * grows). It is deterministic: the same model, k, granularity and seed give the same weights.
 */
public final class WeightClustering implements Pass {
    /** Seed of the k-means++ generator when none is given. */
    public static final long DEFAULT_SEED = 20250921L;

    private final int k;
    private final Granularity granularity;
    private final long seed;
    private final int maxIterations;

    /** Clustering with the default seed and iteration cap. */
    public WeightClustering(int k, Granularity granularity) {
        this(k, granularity, DEFAULT_SEED, WeightKMeans.DEFAULT_MAX_ITERATIONS);
    }

    /**
     * @param k             clusters per codebook, at least 1
     * @param granularity   which weights share a codebook
     * @param seed          k-means++ seed
     * @param maxIterations cap on Lloyd iterations per codebook
     */
    public WeightClustering(int k, Granularity granularity, long seed, int maxIterations) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be at least 1, got " + maxIterations);
        }
        this.k = k;
        this.granularity = granularity;
        this.seed = seed;
        this.maxIterations = maxIterations;
    }

    public int k() {
        return k;
    }

    public Granularity granularity() {
        return granularity;
    }

    @Override
    public String name() {
        return "weight-clustering-" + granularity.label() + "-k" + k;
    }

    @Override
    public Model apply(Model model) {
        GraphEditor g = new GraphEditor(model);
        for (String n : g.names()) {
            if (g.op(n) instanceof Conv2d conv) {
                Tensor w = ConvClustering.cluster(new Tensor[] {conv.weight()}, k, granularity, seed,
                        maxIterations)[0];
                g.replace(n, conv.withParameters(w, conv.bias()));
            }
        }
        return g.build();
    }

    /** The clustered model and what happened to each convolution. */
    public record Result(Model model, List<LayerStats> layers) {
    }

    /** {@link #apply(Model)} with per-layer statistics. */
    public Result run(Model model) {
        Model out = apply(model);
        return new Result(out, compare(model, out));
    }

    /** Per convolution (topological order) of two models of the same architecture: distinct values and changes. */
    public static List<LayerStats> compare(Model before, Model after) {
        return ConvClustering.compare(List.of(before), List.of(after));
    }

    /** Number of distinct weight values of every convolution, by node name. */
    public static Map<String, Integer> distinctWeights(Model model) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Node n : model.nodesOf(Conv2d.class)) {
            out.put(n.name(), ConvClustering.distinct(new Tensor[] {((Conv2d) n.op()).weight()}));
        }
        return out;
    }
}
