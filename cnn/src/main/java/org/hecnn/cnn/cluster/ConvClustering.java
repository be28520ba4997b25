package org.hecnn.cnn.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;
import org.hecnn.cnn.model.Tensor;

/**
 * The shared core of {@link WeightClustering} and {@link EnsembleClustering}: the weights of M same-shaped
 * convolutions (M = 1 for one model) are split into groups by the {@link Granularity}; in each group the i-th weight
 * of every member forms one M-dimensional point; the points are clustered with {@link WeightKMeans} and every
 * member's weight is replaced by its coordinate of the centroid. Biases are not clustered (they are added once per
 * output, not multiplied).
 */
final class ConvClustering {
    private ConvClustering() {
    }

    /** The members' weights after clustering, one tensor per member, same dimensions. */
    static Tensor[] cluster(Tensor[] weights, int k, Granularity g, long seed, int maxIterations) {
        int m = weights.length;
        int[] dims = weights[0].dims();
        for (Tensor w : weights) {
            if (!Arrays.equals(dims, w.dims())) {
                throw new IllegalArgumentException("weights of different shapes: " + Arrays.toString(dims) + " and "
                        + Arrays.toString(w.dims()));
            }
        }
        int co = dims[0];
        int kw = dims[3];
        int perOutput = weights[0].size() / co;
        double[][] src = new double[m][];
        for (int j = 0; j < m; j++) {
            src[j] = weights[j].toArray();
        }
        List<List<Integer>> groups = new ArrayList<>();
        for (int i = 0; i < g.groups(co, kw); i++) {
            groups.add(new ArrayList<>());
        }
        for (int i = 0; i < src[0].length; i++) {
            groups.get(g.groupOf(i / perOutput, i % kw, kw)).add(i);
        }
        double[][] dst = new double[m][];
        for (int j = 0; j < m; j++) {
            dst[j] = src[j].clone();
        }
        // Groups are independent and each is seeded: running them in parallel does not change the result.
        IntStream.range(0, groups.size()).parallel().forEach(gi -> {
            List<Integer> idx = groups.get(gi);
            double[][] points = new double[idx.size()][m];
            for (int p = 0; p < points.length; p++) {
                for (int j = 0; j < m; j++) {
                    points[p][j] = src[j][idx.get(p)];
                }
            }
            WeightKMeans.Result r = WeightKMeans.cluster(points, k, seed, maxIterations);
            for (int p = 0; p < points.length; p++) {
                double[] c = r.centroids()[r.labels()[p]];
                for (int j = 0; j < m; j++) {
                    dst[j][idx.get(p)] = c[j];
                }
            }
        });
        Tensor[] out = new Tensor[m];
        for (int j = 0; j < m; j++) {
            out[j] = Tensor.of(dst[j], dims);
        }
        return out;
    }

    /** Number of distinct M-tuples (w_1[i], …, w_M[i]) over the weight index i. */
    static int distinct(Tensor[] weights) {
        if (weights.length == 1) {
            Set<Double> s = new HashSet<>();
            for (int i = 0; i < weights[0].size(); i++) {
                s.add(weights[0].get(i));
            }
            return s.size();
        }
        Set<List<Double>> s = new HashSet<>();
        for (int i = 0; i < weights[0].size(); i++) {
            List<Double> t = new ArrayList<>(weights.length);
            for (Tensor w : weights) {
                t.add(w.get(i));
            }
            s.add(t);
        }
        return s.size();
    }

    /** Statistics per convolution of members {@code before} vs {@code after} (same architecture). */
    static List<LayerStats> compare(List<Model> before, List<Model> after) {
        List<LayerStats> stats = new ArrayList<>();
        List<Node> convs = before.get(0).nodesOf(Conv2d.class);
        for (int l = 0; l < convs.size(); l++) {
            Tensor[] b = weightsOf(before, l);
            Tensor[] a = weightsOf(after, l);
            double max = 0;
            double sum = 0;
            long n = 0;
            for (int j = 0; j < b.length; j++) {
                for (int i = 0; i < b[j].size(); i++) {
                    double d = a[j].get(i) - b[j].get(i);
                    max = Math.max(max, Math.abs(d));
                    sum += d * d;
                    n++;
                }
            }
            stats.add(new LayerStats(convs.get(l).name(), b[0].size(), distinct(b), distinct(a), max,
                    Math.sqrt(sum / Math.max(1, n))));
        }
        return stats;
    }

    /** The weights of the l-th convolution (topological order) of every member. */
    static Tensor[] weightsOf(List<Model> members, int l) {
        Tensor[] w = new Tensor[members.size()];
        for (int j = 0; j < w.length; j++) {
            List<Node> convs = members.get(j).nodesOf(Conv2d.class);
            w[j] = ((Conv2d) convs.get(l).op()).weight();
        }
        return w;
    }
}
