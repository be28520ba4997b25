package org.hecnn.backend;

/** Argument checks of {@link PolyEngine#multiplyByIntegers}, shared by its implementations. */
public final class IntegerProducts {
    private IntegerProducts() {
    }

    /** Throws unless there is one coefficient array of length n and one row of |out| polynomials per term. */
    public static void check(int[][] coefficients, DevicePoly[][] a, DevicePoly[] out, int n) {
        if (coefficients.length == 0 || coefficients.length != a.length || out.length == 0) {
            throw new IllegalArgumentException("expected at least one term and one output, and one row of inputs per "
                    + "term: " + coefficients.length + " terms, " + a.length + " rows, " + out.length + " outputs");
        }
        for (int t = 0; t < coefficients.length; t++) {
            if (coefficients[t].length != n) {
                throw new IllegalArgumentException("term " + t + ": expected " + n + " coefficients, got "
                        + coefficients[t].length);
            }
            if (a[t].length != out.length) {
                throw new IllegalArgumentException("term " + t + ": " + a[t].length + " inputs for " + out.length
                        + " outputs");
            }
            for (DevicePoly x : a[t]) {
                for (DevicePoly o : out) {
                    if (x == o) {
                        throw new IllegalArgumentException("an output of multiplyByIntegers is also one of its inputs");
                    }
                }
            }
        }
    }
}
