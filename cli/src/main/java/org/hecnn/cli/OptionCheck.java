package org.hecnn.cli;

/** Range checks for numeric options: each failure names the option, the allowed range and the value given. */
final class OptionCheck {
    private OptionCheck() {
    }

    /** Fails unless {@code value >= min}. */
    static int atLeast(String option, int value, int min) {
        if (value < min) {
            throw new InvalidOptionException(option + " must be at least " + min + " (got " + value + ")");
        }
        return value;
    }

    /**
     * Fails unless {@code min <= value <= max}; {@code context} ("in the batched layout", may be empty) says when or
     * why the range is what it is.
     */
    static int between(String option, int value, int min, int max, String context) {
        if (value < min || value > max) {
            throw new InvalidOptionException(option + " must be between " + min + " and " + max
                    + (context.isEmpty() ? "" : " " + context) + " (got " + value + ")");
        }
        return value;
    }
}
