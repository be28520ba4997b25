/**
 * The packed and per-channel layouts (the published method's slot layout and its dense variant): channel planes in
 * slot blocks, convolutions by rotations of whole channel blocks and masked weight plaintexts, one quadratic
 * activation per layer. {@link org.hecnn.inference.packed.NetworkCompiler} runs the plaintext passes, plans levels
 * and parameters, chooses the layout by cost ({@link org.hecnn.inference.packed.PackedPlan}) and how plaintexts are
 * kept, and returns a {@link org.hecnn.inference.packed.NetworkCompiler.Compiled}, the
 * {@link org.hecnn.inference.EncryptedNetwork} of this layout; {@link org.hecnn.inference.packed.HeNetwork} runs it.
 */
package org.hecnn.inference.packed;
