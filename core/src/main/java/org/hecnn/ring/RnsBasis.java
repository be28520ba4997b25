package org.hecnn.ring;

import java.math.BigInteger;
import java.util.List;

/** An ordered list of distinct prime moduli with exact CRT composition (BigInteger). */
public final class RnsBasis {
    private final Modulus[] moduli;
    private final BigInteger product;
    /** (Q/q_i) * ((Q/q_i)^-1 mod q_i), the CRT idempotents. */
    private final BigInteger[] idempotents;

    public RnsBasis(List<Modulus> moduli) {
        this.moduli = moduli.toArray(new Modulus[0]);
        BigInteger p = BigInteger.ONE;
        for (Modulus m : this.moduli) {
            p = p.multiply(BigInteger.valueOf(m.value()));
        }
        product = p;
        idempotents = new BigInteger[this.moduli.length];
        for (int i = 0; i < this.moduli.length; i++) {
            BigInteger qi = BigInteger.valueOf(this.moduli[i].value());
            BigInteger hat = p.divide(qi);
            idempotents[i] = hat.multiply(hat.modInverse(qi));
        }
    }

    public int size() {
        return moduli.length;
    }

    public Modulus modulus(int i) {
        return moduli[i];
    }

    public BigInteger product() {
        return product;
    }

    /** The unique x in [0, Q) with x ≡ residues[i] (mod q_i). */
    public BigInteger compose(long[] residues) {
        BigInteger x = BigInteger.ZERO;
        for (int i = 0; i < moduli.length; i++) {
            x = x.add(idempotents[i].multiply(BigInteger.valueOf(residues[i])));
        }
        return x.mod(product);
    }

    /** Like {@link #compose} but in the centred range (-Q/2, Q/2]. */
    public BigInteger composeCentered(long[] residues) {
        BigInteger x = compose(residues);
        return x.compareTo(product.shiftRight(1)) > 0 ? x.subtract(product) : x;
    }

    /** Residues of an arbitrary (possibly negative) integer. */
    public long[] decompose(BigInteger x) {
        long[] r = new long[moduli.length];
        for (int i = 0; i < moduli.length; i++) {
            r[i] = x.mod(BigInteger.valueOf(moduli[i].value())).longValue();
        }
        return r;
    }
}
