package org.hecnn.ckks;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test support: measures the largest slot error against a double reference and checks it against a bound. */
final class Precision {
    private Precision() {
    }

    static double maxError(double[] expected, double[] actual) {
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
        return max;
    }

    static double bits(double error) {
        return -Math.log(error) / Math.log(2);
    }

    /** Asserts the error is within the bound and reports both in bits. */
    static void check(String what, double[] expected, double[] actual, double bound) {
        double err = maxError(expected, actual);
        System.out.printf("%-40s precision %6.2f bits (bound %6.2f bits)%n", what, bits(err), bits(bound));
        assertTrue(err <= bound, () -> what + ": error " + err + " (" + bits(err) + " bits) exceeds bound " + bound
                + " (" + bits(bound) + " bits)");
    }
}
