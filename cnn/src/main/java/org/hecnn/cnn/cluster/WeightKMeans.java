package org.hecnn.cnn.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.math3.ml.clustering.CentroidCluster;
import org.apache.commons.math3.ml.clustering.Clusterable;
import org.apache.commons.math3.ml.clustering.KMeansPlusPlusClusterer;
import org.apache.commons.math3.ml.distance.EuclideanDistance;
import org.apache.commons.math3.random.Well19937c;

/**
 * Deterministic k-means over d-dimensional points with Apache Commons Math's {@link KMeansPlusPlusClusterer}
 * (k-means++ seeding from a {@link Well19937c} generator with a fixed seed, Lloyd iterations, empty clusters
 * re-seeded from the cluster of largest variance). Points with at most k distinct values are returned exactly as
 * they are (no clustering); otherwise every point is replaced by the mean of its cluster, recomputed from the final
 * assignment so each returned centroid is exactly the mean of the points labelled with it.
 */
public final class WeightKMeans {
    /** Default cap on Lloyd iterations (ends earlier when no assignment changes). */
    public static final int DEFAULT_MAX_ITERATIONS = 100;

    /**
     * A clustering.
     *
     * @param labels    the cluster of each point, in {@code [0, centroids.length)}
     * @param centroids the cluster centres, each {@code d} values; every label is used
     */
    public record Result(int[] labels, double[][] centroids) {
        /** The point i replaced by its centroid (a copy). */
        public double[] centroidOf(int i) {
            return centroids[labels[i]].clone();
        }
    }

    private WeightKMeans() {
    }

    /**
     * Clusters the points into at most {@code k} clusters.
     *
     * @param points        n points of equal dimension d ≥ 1 (not modified)
     * @param k             the number of clusters, at least 1
     * @param seed          seed of the k-means++ generator (same seed and points: same result)
     * @param maxIterations cap on Lloyd iterations
     */
    public static Result cluster(double[][] points, int k, long seed, int maxIterations) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (points.length == 0) {
            return new Result(new int[0], new double[0][]);
        }
        int d = points[0].length;
        Map<Key, Integer> distinct = new LinkedHashMap<>();
        int[] labels = new int[points.length];
        for (int i = 0; i < points.length; i++) {
            if (points[i].length != d) {
                throw new IllegalArgumentException("points have different dimensions: " + d + " and "
                        + points[i].length);
            }
            Key key = new Key(points[i]);
            Integer id = distinct.get(key);
            if (id == null) {
                if (distinct.size() == k) {
                    return kmeans(points, k, seed, maxIterations);
                }
                id = distinct.size();
                distinct.put(key, id);
            }
            labels[i] = id;
        }
        double[][] centroids = new double[distinct.size()][];
        for (Map.Entry<Key, Integer> e : distinct.entrySet()) {
            centroids[e.getValue()] = e.getKey().values.clone();
        }
        return new Result(labels, centroids);
    }

    private static Result kmeans(double[][] points, int k, long seed, int maxIterations) {
        List<Indexed> wrapped = new ArrayList<>(points.length);
        for (int i = 0; i < points.length; i++) {
            wrapped.add(new Indexed(i, points[i]));
        }
        KMeansPlusPlusClusterer<Indexed> clusterer = new KMeansPlusPlusClusterer<>(k, maxIterations,
                new EuclideanDistance(), new Well19937c(seed),
                KMeansPlusPlusClusterer.EmptyClusterStrategy.LARGEST_VARIANCE);
        List<CentroidCluster<Indexed>> clusters = clusterer.cluster(wrapped);
        int d = points[0].length;
        int[] labels = new int[points.length];
        List<double[]> centroids = new ArrayList<>();
        for (CentroidCluster<Indexed> c : clusters) {
            if (c.getPoints().isEmpty()) {
                continue;
            }
            // The exact mean of the members (Commons returns the centres it assigned with, which equal the means
            // only after convergence).
            double[] mean = new double[d];
            for (Indexed p : c.getPoints()) {
                for (int j = 0; j < d; j++) {
                    mean[j] += p.point[j];
                }
                labels[p.index] = centroids.size();
            }
            for (int j = 0; j < d; j++) {
                mean[j] /= c.getPoints().size();
            }
            centroids.add(mean);
        }
        return new Result(labels, centroids.toArray(new double[0][]));
    }

    /** A point that remembers its position in the input. */
    private static final class Indexed implements Clusterable {
        final int index;
        final double[] point;

        Indexed(int index, double[] point) {
            this.index = index;
            this.point = point;
        }

        @Override
        public double[] getPoint() {
            return point;
        }
    }

    /** Exact value equality of points (bitwise, as {@link Arrays#equals(double[], double[])}). */
    private static final class Key {
        final double[] values;
        final int hash;

        Key(double[] values) {
            this.values = values;
            this.hash = Arrays.hashCode(values);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && Arrays.equals(values, other.values);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
