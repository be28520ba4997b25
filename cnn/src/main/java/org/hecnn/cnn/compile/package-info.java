/**
 * Plaintext-side compilation passes ({@link org.hecnn.cnn.compile.Pass}: Model to Model, each preserving the
 * function the model computes): BatchNorm folding, average-pool divisor folding and weight redistribution
 * (method.md part A, items 3 and 4). {@link org.hecnn.cnn.compile.Passes#standard()} lists them in order.
 */
package org.hecnn.cnn.compile;
