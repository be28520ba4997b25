package org.hecnn.cnn.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.hecnn.cnn.compile.GraphEditor;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;
import org.hecnn.cnn.model.Tensor;

/**
 * Joint parameter clustering of an ensemble (method part A, items 9 and 10): M models of the same architecture;
 * for each convolution, the i-th weight of every member forms one M-dimensional point (w_1[i], …, w_M[i]); k-means
 * over these points (per layer, or per kernel column, see {@link Granularity}) replaces each member's weight by its
 * coordinate of the centroid. All members then share one cluster index per weight position, so an ensemble
 * convolution that puts member m in slot region m needs one plaintext per (cluster, tap) carrying the centroid's
 * m-th coordinate in region m, and one multiplication per cluster for all members at once.
 *
 * <p>As with {@link WeightClustering}, run it on the members after {@link org.hecnn.cnn.compile.Passes#standard()}
 * ({@link ClusteringPasses#ensembleAfterStandard}). With M = 1 it is exactly {@link WeightClustering}.
 */
public final class EnsembleClustering {
    private final int k;
    private final Granularity granularity;
    private final long seed;
    private final int maxIterations;

    /** Joint clustering with the default seed and iteration cap. */
    public EnsembleClustering(int k, Granularity granularity) {
        this(k, granularity, WeightClustering.DEFAULT_SEED, WeightKMeans.DEFAULT_MAX_ITERATIONS);
    }

    public EnsembleClustering(int k, Granularity granularity, long seed, int maxIterations) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        this.k = k;
        this.granularity = granularity;
        this.seed = seed;
        this.maxIterations = maxIterations;
    }

    /**
     * The members with their convolution weights jointly clustered, in the same order.
     *
     * @throws IllegalArgumentException if the members do not share an architecture (same number of nodes, same op
     *                                  kinds in the same order, convolutions of the same shape)
     */
    public List<Model> apply(List<Model> members) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("an ensemble needs at least one model");
        }
        requireSameArchitecture(members);
        List<GraphEditor> editors = new ArrayList<>();
        for (Model m : members) {
            editors.add(new GraphEditor(m));
        }
        List<Node> convs = members.get(0).nodesOf(Conv2d.class);
        for (int l = 0; l < convs.size(); l++) {
            Tensor[] w = ConvClustering.weightsOf(members, l);
            Tensor[] clustered = ConvClustering.cluster(w, k, granularity, seed, maxIterations);
            for (int j = 0; j < members.size(); j++) {
                Node n = members.get(j).nodesOf(Conv2d.class).get(l);
                Conv2d conv = (Conv2d) n.op();
                editors.get(j).replace(n.name(), conv.withParameters(clustered[j], conv.bias()));
            }
        }
        List<Model> out = new ArrayList<>();
        for (GraphEditor e : editors) {
            out.add(e.build());
        }
        return out;
    }

    /** Per convolution: distinct M-tuples before and after, and the largest weight change over all members. */
    public static List<LayerStats> compare(List<Model> before, List<Model> after) {
        return ConvClustering.compare(before, after);
    }

    /** Checks that the members have the same graph structure and convolution shapes. */
    public static void requireSameArchitecture(List<Model> members) {
        Model first = members.get(0);
        for (Model m : members.subList(1, members.size())) {
            if (m.nodes().size() != first.nodes().size()) {
                throw new IllegalArgumentException("ensemble members differ: " + first.name() + " has "
                        + first.nodes().size() + " nodes, " + m.name() + " has " + m.nodes().size());
            }
            for (int i = 0; i < m.nodes().size(); i++) {
                Node a = first.nodes().get(i);
                Node b = m.nodes().get(i);
                if (a.op().getClass() != b.op().getClass() || !a.shape().equals(b.shape())) {
                    throw new IllegalArgumentException("ensemble members differ at node " + i + ": " + a + " in "
                            + first.name() + " vs " + b + " in " + m.name());
                }
                if (a.op() instanceof Conv2d ca && b.op() instanceof Conv2d cb
                        && (!Arrays.equals(ca.weight().dims(), cb.weight().dims()) || ca.strideH() != cb.strideH()
                        || ca.strideW() != cb.strideW() || ca.padTop() != cb.padTop() || ca.padLeft() != cb.padLeft())) {
                    throw new IllegalArgumentException("ensemble members' convolutions differ at node " + a.name()
                            + ": " + ca.describe() + " vs " + cb.describe());
                }
            }
        }
    }
}
