package org.hecnn.inference.packed;

import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.OpCounts;
import java.util.ArrayList;
import java.util.List;
import org.hecnn.ckks.Ciphertext;

/**
 * Sums each channel over a k×k window (k = the map's size for a global pool) by rotate-and-add; the average's
 * divisor is folded into the next weighted layer by the compiler, so no level is used. The window's sum lands on
 * the window's top-left pixel; the output map keeps the grid with a k-times larger stride.
 */
public final class HeSpatialSum {
    private final FeatureMap in;
    private final FeatureMap out;
    private final int[] steps;
    private final int windowH;
    private final int windowW;

    public HeSpatialSum(FeatureMap in, int windowH, int windowW) {
        if (in.height() % windowH != 0 || in.width() % windowW != 0) {
            throw new IllegalArgumentException("window " + windowH + "x" + windowW + " does not tile " + in);
        }
        this.in = in;
        this.windowH = windowH;
        this.windowW = windowW;
        boolean global = windowH == in.height() && windowW == in.width();
        this.out = new FeatureMap(in.grid(), in.channels(), in.height() / windowH, in.width() / windowW,
                global ? 1 : in.stride() * windowH);
        if (!global && windowH != windowW) {
            throw new IllegalArgumentException("non-global pooling windows must be square");
        }
        List<Integer> s = new ArrayList<>();
        addSteps(s, windowW, in.stride());
        addSteps(s, windowH, in.stride() * in.grid().rowStride());
        steps = s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Rotation steps of the binary sum of {@code count} terms spaced by {@code spacing}. */
    private static void addSteps(List<Integer> steps, int count, int spacing) {
        for (int covered = 1; covered < count; covered <<= 1) {
            steps.add(covered * spacing);
        }
    }

    public FeatureMap output() {
        return out;
    }

    public int[] rotationSteps() {
        return steps.clone();
    }

    /** Operations per input ciphertext, exactly as {@link HeOps} counts them. */
    public OpCounts counts() {
        OpCounts.Tally t = new OpCounts.Tally();
        for (int count : new int[] {windowW, windowH}) {
            int offset = 0;
            boolean first = true;
            for (int bit = 1; bit <= count && count > 1; bit <<= 1) {
                if ((count & bit) != 0) {
                    if (offset != 0) {
                        t.rot++;
                        t.decompositions++;
                    }
                    t.add += first ? 0 : 1;
                    first = false;
                    offset += bit;
                }
                if (bit << 1 <= count) {
                    t.rot++;
                    t.decompositions++;
                    t.add++;
                }
            }
        }
        return t.snapshot();
    }

    /** Rotations per input ciphertext. */
    public long rotationCount() {
        return rotations(windowW) + rotations(windowH);
    }

    private static long rotations(int count) {
        long r = 0;
        int offset = 0;
        for (int bit = 1; bit <= count; bit <<= 1) {
            if ((count & bit) != 0) {
                r += offset == 0 ? 0 : 1;
                offset += bit;
            }
            if (bit << 1 <= count) {
                r++;
            }
        }
        return r;
    }

    public Ciphertext apply(HeOps ops, Ciphertext x) {
        Ciphertext acc = sumAlong(ops, x, windowW, in.stride());
        return sumAlong(ops, acc, windowH, in.stride() * in.grid().rowStride());
    }

    /** Σ_{j < count} rot(x, j·spacing) by doubling partial sums and adding the ones the binary digits of count select. */
    private static Ciphertext sumAlong(HeOps ops, Ciphertext x, int count, int spacing) {
        if (count == 1) {
            return x;
        }
        Ciphertext partial = x;
        Ciphertext result = null;
        int offset = 0;
        for (int bit = 1; bit <= count; bit <<= 1) {
            if ((count & bit) != 0) {
                Ciphertext term = offset == 0 ? partial : ops.rotate(partial, offset * spacing);
                result = result == null ? term : ops.add(result, term);
                offset += bit;
            }
            if (bit << 1 <= count) {
                partial = ops.add(partial, ops.rotate(partial, bit * spacing));
            }
        }
        return result;
    }
}
