package org.hecnn.ckks;

/**
 * An encoded message kept as its signed 32-bit integer coefficients (before the NTT), with the level and scale
 * it is used at. It holds no engine memory: each multiplication by it reduces and transforms the coefficients
 * inside the engine, limb by limb, so a network whose NTT-form plaintexts would not fit memory pays one
 * transform per use and no allocation. The coefficients are a memory segment of N integers in the platform's byte
 * order: an {@code int[]} ({@link #of}) or memory outside the heap, such as a mapped file of compiled plaintexts.
 */
public record IntegerPlaintext(java.lang.foreign.MemorySegment coefficients, int level, double scale) {
    /** A plaintext over the integers of {@code coefficients} (kept, not copied). */
    public static IntegerPlaintext of(int[] coefficients, int level, double scale) {
        return new IntegerPlaintext(java.lang.foreign.MemorySegment.ofArray(coefficients), level, scale);
    }

    public IntegerPlaintext {
        if (coefficients.byteSize() % Integer.BYTES != 0) {
            throw new IllegalArgumentException("integer coefficients take 4 bytes each, not " + coefficients.byteSize()
                    + " bytes in all");
        }
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
                Math.log(scale) / Math.log(2), coefficients.byteSize() / Integer.BYTES);
    }
}
