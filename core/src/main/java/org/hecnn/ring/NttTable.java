package org.hecnn.ring;

/**
 * Precomputed twiddle factors for the negacyclic number-theoretic transform of length N modulo one prime.
 *
 * <p>The forward transform maps coefficients a_0..a_{N-1} to evaluations at ψ^(2·bitrev(i)+1), i = 0..N-1,
 * where ψ is a primitive 2N-th root of unity; the output is in bit-reversed order, as in Harvey's
 * lazy-reduction Cooley–Tukey variant.
 */
public final class NttTable {
    private final Modulus modulus;
    private final int logN;
    private final long psi;
    /** ψ^bitrev(i) for i in [0, N), with Shoup companions. */
    private final long[] forward;
    private final long[] forwardShoup;
    /** ψ^-(bitrev(i)) arranged for the Gentleman–Sande inverse, with Shoup companions. */
    private final long[] inverse;
    private final long[] inverseShoup;
    private final long nInverse;
    private final long nInverseShoup;

    public NttTable(Modulus modulus, int logN) {
        int n = 1 << logN;
        if ((modulus.value() - 1) % (2L * n) != 0) {
            throw new IllegalArgumentException(modulus + " is not ≡ 1 mod 2N for N = " + n);
        }
        this.modulus = modulus;
        this.logN = logN;
        this.psi = Primes.primitiveRoot2N(modulus.value(), logN);
        long psiInv = modulus.inverse(psi);
        forward = new long[n];
        forwardShoup = new long[n];
        inverse = new long[n];
        inverseShoup = new long[n];
        long power = 1;
        long powerInv = 1;
        long[] psiPowers = new long[n];
        long[] psiInvPowers = new long[n];
        for (int i = 0; i < n; i++) {
            psiPowers[i] = power;
            psiInvPowers[i] = powerInv;
            power = modulus.mul(power, psi);
            powerInv = modulus.mul(powerInv, psiInv);
        }
        for (int i = 0; i < n; i++) {
            int r = BitReverse.reverse(i, logN);
            forward[i] = psiPowers[r];
            forwardShoup[i] = modulus.shoup(forward[i]);
        }
        // Inverse: stage with m groups uses index m + i; GS consumes the inverses of the forward twiddles.
        for (int i = 0; i < n; i++) {
            int r = BitReverse.reverse(i, logN);
            inverse[i] = psiInvPowers[r];
            inverseShoup[i] = modulus.shoup(inverse[i]);
        }
        nInverse = modulus.inverse(n);
        nInverseShoup = modulus.shoup(nInverse);
    }

    public Modulus modulus() {
        return modulus;
    }

    public int logN() {
        return logN;
    }

    public int n() {
        return 1 << logN;
    }

    /** The primitive 2N-th root of unity ψ that defines the evaluation points. */
    public long psi() {
        return psi;
    }

    public long[] forwardTwiddles() {
        return forward;
    }

    public long[] forwardTwiddlesShoup() {
        return forwardShoup;
    }

    public long[] inverseTwiddles() {
        return inverse;
    }

    public long[] inverseTwiddlesShoup() {
        return inverseShoup;
    }

    public long nInverse() {
        return nInverse;
    }

    public long nInverseShoup() {
        return nInverseShoup;
    }
}
