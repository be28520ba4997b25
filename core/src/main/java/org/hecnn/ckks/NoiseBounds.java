package org.hecnn.ckks;

import org.hecnn.rlwe.Sampler;

/**
 * High-probability bounds on CKKS errors in the canonical embedding (the per-slot error times the scale),
 * following the heuristic bounds of Cheon, Kim, Kim and Song (2017), extended to hybrid key switching with
 * dnum digits. They depend only on the parameters (N, σ, the secret's Hamming weight h ≈ 2N/3, the digit and
 * special moduli), so tests and users can state the precision to expect from a circuit.
 */
public final class NoiseBounds {
    private final double n;
    private final double sigma = Sampler.SIGMA;
    private final double h;
    private final CkksParameters parameters;

    public NoiseBounds(CkksParameters parameters) {
        this.parameters = parameters;
        this.n = parameters.n();
        this.h = 2.0 * n / 3.0;
    }

    /** Fresh encryption (public key; it also bounds secret-key encryption). */
    public double fresh() {
        return 8 * Math.sqrt(2) * sigma * n + 6 * sigma * Math.sqrt(n) + 16 * sigma * Math.sqrt(h * n);
    }

    /** Rounding error of encoding a vector (each coefficient rounded by at most 1/2). */
    public double encoding() {
        return n / 2;
    }

    /** Rounding added by a rescale or a ModDown. */
    public double rounding() {
        return Math.sqrt(n / 3) * (3 + 8 * Math.sqrt(h));
    }

    /** Additive error of one key switch (relinearisation or rotation) at the top level. */
    public double keySwitch() {
        int alpha = (parameters.dataPrimes().size() + parameters.dnum() - 1) / parameters.dnum();
        double logDigit = largestDigitLog2(alpha);
        double logP = 0;
        for (long p : parameters.specialPrimes()) {
            logP += Math.log(p) / Math.log(2);
        }
        double digits = Math.ceil(parameters.dataPrimes().size() / (double) alpha);
        double inner = digits * Math.pow(2, logDigit - logP) * 8 * sigma * n / Math.sqrt(3);
        return inner + (1 + parameters.specialPrimes().size()) * rounding();
    }

    /** log2 of the largest product of alpha consecutive data primes. */
    private double largestDigitLog2(int alpha) {
        double best = 0;
        var q = parameters.dataPrimes();
        for (int start = 0; start < q.size(); start += alpha) {
            double sum = 0;
            for (int i = start; i < Math.min(start + alpha, q.size()); i++) {
                sum += Math.log(q.get(i)) / Math.log(2);
            }
            best = Math.max(best, sum);
        }
        return best;
    }
}
