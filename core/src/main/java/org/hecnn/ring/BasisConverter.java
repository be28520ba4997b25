package org.hecnn.ring;

import java.math.BigInteger;
import java.util.List;

/**
 * Basis conversion of the centred representative: for x given by residues modulo a source basis with product Q,
 * computes [x]_Q (the representative in (−Q/2, Q/2]) modulo each target modulus t. With
 * y_i = [x_i · (Q/q_i)^-1]_{q_i} the sum Σ_i y_i·(Q/q_i) equals x + v·Q for v = round(Σ_i y_i / q_i), so the
 * result is Σ_i y_i·(Q/q_i) − v·Q mod t. The quotient v is computed in double precision with plain
 * multiplications and additions in source order (no fused multiply-add), so every backend gets the same v.
 * Centring keeps key-switching noise zero-mean: used for ModUp (digit to the rest of QP) and ModDown (P to Q).
 */
public final class BasisConverter {
    private final Modulus[] source;
    private final Modulus[] target;
    private final long[] hatInverse;
    private final long[] hatInverseShoup;
    /** [target j][source i] = (Q/q_i) mod t_j, with Shoup companions for t_j. */
    private final long[][] hatModTarget;
    private final long[][] hatModTargetShoup;
    /** 1.0 / q_i as doubles. */
    private final double[] inverseModuli;
    /** [target j][v] = (−v·Q) mod t_j for v in [0, |source|]. */
    private final long[][] corrections;

    public BasisConverter(List<Modulus> source, List<Modulus> target) {
        this.source = source.toArray(new Modulus[0]);
        this.target = target.toArray(new Modulus[0]);
        BigInteger product = BigInteger.ONE;
        for (Modulus m : this.source) {
            product = product.multiply(BigInteger.valueOf(m.value()));
        }
        hatInverse = new long[this.source.length];
        hatInverseShoup = new long[this.source.length];
        BigInteger[] hats = new BigInteger[this.source.length];
        for (int i = 0; i < this.source.length; i++) {
            BigInteger qi = BigInteger.valueOf(this.source[i].value());
            hats[i] = product.divide(qi);
            hatInverse[i] = hats[i].modInverse(qi).longValue();
            hatInverseShoup[i] = this.source[i].shoup(hatInverse[i]);
        }
        inverseModuli = new double[this.source.length];
        for (int i = 0; i < this.source.length; i++) {
            inverseModuli[i] = 1.0 / (double) this.source[i].value();
        }
        corrections = new long[this.target.length][this.source.length + 1];
        for (int j = 0; j < this.target.length; j++) {
            BigInteger tj = BigInteger.valueOf(this.target[j].value());
            for (int v = 0; v <= this.source.length; v++) {
                corrections[j][v] = product.multiply(BigInteger.valueOf(-v)).mod(tj).longValue();
            }
        }
        hatModTarget = new long[this.target.length][this.source.length];
        hatModTargetShoup = new long[this.target.length][this.source.length];
        for (int j = 0; j < this.target.length; j++) {
            BigInteger tj = BigInteger.valueOf(this.target[j].value());
            for (int i = 0; i < this.source.length; i++) {
                hatModTarget[j][i] = hats[i].mod(tj).longValue();
                hatModTargetShoup[j][i] = this.target[j].shoup(hatModTarget[j][i]);
            }
        }
    }

    public int sourceSize() {
        return source.length;
    }

    public int targetSize() {
        return target.length;
    }

    public Modulus source(int i) {
        return source[i];
    }

    public Modulus target(int j) {
        return target[j];
    }

    /** [(Q/q_i)^-1]_{q_i}: the first step multiplies source limb i by this constant. */
    public long hatInverse(int i) {
        return hatInverse[i];
    }

    public long hatInverseShoup(int i) {
        return hatInverseShoup[i];
    }

    /** Row j: (Q/q_i) mod t_j for all source i; the second step is this linear combination. */
    public long[] hatModTarget(int j) {
        return hatModTarget[j];
    }

    public long[] hatModTargetShoup(int j) {
        return hatModTargetShoup[j];
    }

    /** 1.0 / q_i for the quotient estimate v = round(Σ_i y_i / q_i). */
    public double[] inverseModuli() {
        return inverseModuli;
    }

    /** Row j: (−v·Q) mod t_j indexed by the quotient v in [0, |source|]. */
    public long[] corrections(int j) {
        return corrections[j];
    }
}
