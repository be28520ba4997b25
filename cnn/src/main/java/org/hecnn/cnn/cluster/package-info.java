/**
 * Parameter clustering of convolution weights (method part A, item 9): {@link org.hecnn.cnn.cluster.WeightClustering}
 * (a {@link org.hecnn.cnn.compile.Pass}, 1-D k-means per layer or per kernel column),
 * {@link org.hecnn.cnn.cluster.EnsembleClustering} (joint M-dimensional k-means over the members of an ensemble) and
 * {@link org.hecnn.cnn.cluster.ClusteringPasses} (the standard passes followed by clustering — clustering must run
 * after BatchNorm fusion and weight redistribution). k-means is Apache Commons Math's k-means++ with a seeded
 * generator, so results are deterministic.
 */
package org.hecnn.cnn.cluster;
