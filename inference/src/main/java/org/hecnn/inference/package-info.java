/**
 * What every encrypted-network layout shares: the {@link org.hecnn.inference.EncryptedNetwork} interface, the
 * layout-agnostic {@link org.hecnn.inference.ServiceDescription} a client needs (input encodings, output decodings),
 * the homomorphic operations with their counts ({@link org.hecnn.inference.HeOps}, {@link
 * org.hecnn.inference.OpCounts}), slot layouts of images ({@link org.hecnn.inference.FeatureMap}, {@link
 * org.hecnn.inference.SlotGrid}) and progress callbacks. Each layout lives in its own package ({@code packed},
 * {@code batched}, {@code vector}; {@code chain} holds what the last two share); {@code service} is the generic
 * client and server.
 */
package org.hecnn.inference;
