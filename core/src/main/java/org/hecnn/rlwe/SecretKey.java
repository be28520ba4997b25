package org.hecnn.rlwe;

/**
 * A ternary RLWE secret s ∈ {-1, 0, 1}^N. It stays with the client: evaluation-side APIs never take one, and
 * it is serialised only through its own explicitly named path.
 */
public final class SecretKey {
    private final int[] coefficients;

    public SecretKey(int[] coefficients) {
        for (int c : coefficients) {
            if (c < -1 || c > 1) {
                throw new IllegalArgumentException("secret key coefficients must be ternary");
            }
        }
        this.coefficients = coefficients.clone();
    }

    /** The coefficients (a copy). */
    public int[] coefficients() {
        return coefficients.clone();
    }

    int[] coefficientsUnsafe() {
        return coefficients;
    }

    @Override
    public String toString() {
        return "SecretKey[N=" + coefficients.length + ", redacted]";
    }
}
