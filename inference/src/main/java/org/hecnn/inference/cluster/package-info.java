/**
 * Encrypted evaluation with clustered weights (method part A, items 9 and 10):
 * {@link org.hecnn.inference.ClusteredPerChannelConvolution} (per-channel layout: add the rotated inputs that
 * share a weight value, multiply once per value),
 * {@link org.hecnn.inference.cluster.ClusteredCost} (its multiplication and plaintext counts from the weights alone)
 * and {@link org.hecnn.inference.cluster.ClusteringReport} (plaintext accuracy against k, granularity and ensemble
 * size on CIFAR-10 binary files). Clustering itself lives in {@code org.hecnn.cnn.cluster}.
 */
package org.hecnn.inference.cluster;
