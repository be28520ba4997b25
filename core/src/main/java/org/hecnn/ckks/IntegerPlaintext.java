package org.hecnn.ckks;

/**
 * An encoded message kept as its signed 32-bit integer coefficients (before the NTT), with the level and scale
 * it is used at. It holds no engine memory: each multiplication by it reduces and transforms the coefficients
 * inside the engine, limb by limb, so a network whose NTT-form plaintexts would not fit memory pays one
 * transform per use and no allocation.
 */
public record IntegerPlaintext(int[] coefficients, int level, double scale) {
    public IntegerPlaintext {
        if (level < 0) {
            throw new LevelMismatchException("a plaintext level cannot be negative: " + level);
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("a plaintext scale must be positive and finite: " + scale);
        }
    }

    @Override
    public String toString() {
        return String.format("IntegerPlaintext[level %d, scale 2^%.2f, %d coefficients]", level,
                Math.log(scale) / Math.log(2), coefficients.length);
    }
}
