/**
 * The in-memory CNN graph: immutable {@link org.hecnn.cnn.model.Node}s in topological order, each an
 * {@link org.hecnn.cnn.model.Op} applied to named inputs, with shapes inferred and validated when the
 * {@link org.hecnn.cnn.model.Model} is built.
 *
 * <p>Values are one image (no batch dimension): a feature map {@code [C][H][W]} or a flat vector {@code [N]}.
 */
package org.hecnn.cnn.model;
