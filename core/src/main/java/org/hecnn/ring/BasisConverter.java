package org.hecnn.ring;

import java.math.BigInteger;
import java.util.List;

/**
 * Fast (approximate) basis conversion from a source RNS basis to target moduli:
 * y = Σ_i [x_i · (Q/q_i)^-1]_{q_i} · (Q/q_i) mod t, which equals x + u·Q for a small integer 0 ≤ u &lt; |source|.
 * Used for ModUp (digit to the rest of QP) and ModDown (P to Q).
 */
public final class BasisConverter {
    private final Modulus[] source;
    private final Modulus[] target;
    private final long[] hatInverse;
    private final long[] hatInverseShoup;
    /** [target j][source i] = (Q/q_i) mod t_j, with Shoup companions for t_j. */
    private final long[][] hatModTarget;
    private final long[][] hatModTargetShoup;

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
}
