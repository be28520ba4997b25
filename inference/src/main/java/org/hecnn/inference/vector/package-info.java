/**
 * The single-image vector layout for chain networks (the latency counterpart of the batched layout): one image
 * per evaluation, its neurons in the slots of one ciphertext. The first weighted layer is an element-wise product
 * with inputs the client arranges by the layer's public geometry (im2col); later layers are matrix-vector products
 * by the hybrid diagonal method with baby-step giant-step rotations.
 */
package org.hecnn.inference.vector;
