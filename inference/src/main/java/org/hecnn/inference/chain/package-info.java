/**
 * What the batched and vector layouts share: a chain network (convolutions and linear layers, polynomial
 * activations, no branches) lowered to a sequence of sparse affine maps and squarings
 * ({@link org.hecnn.inference.chain.BatchedProgram}, {@link org.hecnn.inference.chain.AffineMap}).
 */
package org.hecnn.inference.chain;
