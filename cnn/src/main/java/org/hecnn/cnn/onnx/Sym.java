package org.hecnn.cnn.onnx;

import org.hecnn.cnn.model.Shape;

/**
 * What an ONNX value stands for during import. Values computed only from constants are folded
 * ({@link Const}); activations are model nodes ({@link Ref}); and three kinds are kept symbolic until a consumer
 * needs a node, so that multi-node ONNX patterns become one model node: an elementwise polynomial of an
 * activation ({@link Poly}, from Mul/Add/Sub/Div/Neg/Pow), a strided subsample ({@link Subsample}, from Slice,
 * becoming the option-A shortcut with a following channel Pad), and a MatMul waiting for its bias Add
 * ({@link MatMul}).
 */
sealed interface Sym {

    /** A constant tensor. */
    record Const(ConstTensor value) implements Sym {
    }

    /** A model node's output. */
    record Ref(String node, Shape shape) implements Sym {
    }

    /** {@code sum_k c[channel][k] * base^k}, built from the ONNX node {@code origin}. */
    record Poly(Ref base, double[][] coefficients, String origin) implements Sym {
    }

    /** {@code base[:, :, ::strideH, ::strideW]}, built from the ONNX node {@code origin}. */
    record Subsample(Ref base, int strideH, int strideW, String origin) implements Sym {
    }

    /** {@code base @ weight^T + bias} with weight {@code [out][in]}, built from the ONNX node {@code origin}. */
    record MatMul(Ref base, double[][] weight, double[] bias, String origin) implements Sym {
    }
}
