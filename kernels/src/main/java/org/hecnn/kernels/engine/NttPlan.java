package org.hecnn.kernels.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * How a length-2^logN transform is cut into launches ("passes") of at most 2^tileLog words of local memory
 * per work-group. A pass runs k consecutive butterfly stages starting at stage s0 over tiles of 2^k × 2^logR
 * words: 2^k positions that the k stages mix, times 2^logR consecutive indices for coalesced access.
 *
 * <p>Forward: the leading passes cover the large strides (with logR ≥ 5 where the tile allows it), the last pass
 * the final tileLog stages on contiguous blocks. Inverse: the mirror image.
 */
public record NttPlan(List<Pass> passes) {
    /** One launch: stages s0 .. s0 + k − 1 on tiles of 2^(k + logR) words. */
    public record Pass(int s0, int k, int logR) {
        public int tileLog() {
            return k + logR;
        }
    }

    public static NttPlan forward(int logN, int tileLog) {
        if (logN <= tileLog) {
            return new NttPlan(List.of(new Pass(0, logN, 0)));
        }
        List<Pass> passes = new ArrayList<>();
        int s0 = 0;
        for (int k : split(logN - tileLog, maxLeading(tileLog))) {
            passes.add(new Pass(s0, k, tileLog - k));
            s0 += k;
        }
        passes.add(new Pass(s0, tileLog, 0));
        return new NttPlan(List.copyOf(passes));
    }

    public static NttPlan inverse(int logN, int tileLog) {
        if (logN <= tileLog) {
            return new NttPlan(List.of(new Pass(0, logN, 0)));
        }
        List<Pass> passes = new ArrayList<>();
        passes.add(new Pass(0, tileLog, 0));
        int s0 = tileLog;
        for (int k : split(logN - tileLog, maxLeading(tileLog))) {
            passes.add(new Pass(s0, k, tileLog - k));
            s0 += k;
        }
        return new NttPlan(List.copyOf(passes));
    }

    /** Stages per strided pass so that each tile still holds at least 2^5 consecutive words (or 2 if tiny). */
    private static int maxLeading(int tileLog) {
        return Math.max(1, tileLog - Math.min(5, tileLog - 1));
    }

    /** Splits {@code total} stages into the fewest nearly equal parts of at most {@code max}. */
    private static int[] split(int total, int max) {
        int parts = (total + max - 1) / max;
        int[] out = new int[parts];
        for (int i = 0; i < parts; i++) {
            out[i] = total / parts + (i < total % parts ? 1 : 0);
        }
        return out;
    }
}
