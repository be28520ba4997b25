package org.hecnn.inference;

import org.hecnn.ckks.Ciphertext;

/**
 * The quadratic activation x² + c1·x + c0 (x² coefficient 1 after weight redistribution), evaluated as
 * (x + c1/2)² + (c0 − c1²/4): one squaring, one rescale (the layer's prime), constants added for free.
 */
public final class HeActivation {
    private final double shift;
    private final double offset;

    public HeActivation(double c0, double c1, double c2) {
        if (c2 != 1.0) {
            throw new IllegalArgumentException("the activation's x^2 coefficient must be 1 (run weight "
                    + "redistribution first), got " + c2);
        }
        this.shift = c1 / 2;
        this.offset = c0 - c1 * c1 / 4;
    }

    public Ciphertext apply(HeOps ops, Ciphertext x) {
        Ciphertext centred = shift == 0 ? x : ops.addConstant(x, shift);
        Ciphertext squared = ops.rescale(ops.square(centred));
        return offset == 0 ? squared : ops.addConstant(squared, offset);
    }
}
