package org.hecnn.inference.batched;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.hecnn.ckks.Ciphertext;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.OpCounts;

/**
 * An affine map compiled for ciphertexts that each hold one neuron of many images: every weight becomes an
 * integer multiple c of 1/M for one power-of-two M per layer, so the layer needs no plaintext multiplication and
 * no level — the output's recorded scale is the input's times M. When every nonzero weight is ±2^e, M = 2^−e_min
 * and all the integers are powers of two (exact shifts); otherwise M = 2^weightBits / max|w| (rounded to a power of
 * two) and the generic weights are rounded to integers. Per output, inputs sharing |c| are first added (or
 * subtracted) and then multiplied once; zero weights cost nothing; |c| = 1 costs additions only.
 */
public final class IntegerAffineLayer {
    private final AffineMap map;
    private final double multiplier;
    private final boolean powerOfTwo;
    private final Row[] rows;

    /** Inputs of one output grouped by |c|, smallest first (c = 1, if present, comes first). */
    private record Row(long[] magnitudes, int[][] inputs, boolean[][] negative) {
    }

    IntegerAffineLayer(AffineMap map, int weightBits) {
        this.map = map;
        int minExp = Integer.MAX_VALUE;
        boolean pow2 = true;
        double maxAbs = 0;
        for (int t = 0; t < map.nonZeros(); t++) {
            double w = Math.abs(map.weight(t));
            maxAbs = Math.max(maxAbs, w);
            int e = Math.getExponent(w);
            pow2 &= w == Math.scalb(1.0, e);
            minExp = Math.min(minExp, e);
        }
        this.powerOfTwo = pow2 && map.nonZeros() > 0;
        if (map.nonZeros() == 0) {
            multiplier = 1;
        } else if (powerOfTwo) {
            multiplier = Math.scalb(1.0, -minExp);
        } else {
            multiplier = Math.scalb(1.0, weightBits - Math.getExponent(maxAbs) - 1);
        }
        rows = new Row[map.outputs()];
        for (int j = 0; j < rows.length; j++) {
            TreeMap<Long, List<int[]>> groups = new TreeMap<>();
            for (int t = map.rowStart(j); t < map.rowEnd(j); t++) {
                long c = Math.round(map.weight(t) * multiplier);
                if (c != 0) {
                    groups.computeIfAbsent(Math.abs(c), k -> new ArrayList<>()).add(
                            new int[] {map.column(t), c < 0 ? 1 : 0});
                }
            }
            long[] mags = new long[groups.size()];
            int[][] in = new int[groups.size()][];
            boolean[][] neg = new boolean[groups.size()][];
            int g = 0;
            for (var e : groups.entrySet()) {
                mags[g] = e.getKey();
                List<int[]> terms = e.getValue();
                terms.sort((a, b) -> Integer.compare(a[1], b[1]));
                in[g] = new int[terms.size()];
                neg[g] = new boolean[terms.size()];
                for (int i = 0; i < terms.size(); i++) {
                    in[g][i] = terms.get(i)[0];
                    neg[g][i] = terms.get(i)[1] == 1;
                }
                g++;
            }
            rows[j] = new Row(mags, in, neg);
        }
    }

    public AffineMap map() {
        return map;
    }

    /** M: the output scale is the input scale times M. */
    public double multiplier() {
        return multiplier;
    }

    /** Whether every nonzero weight is ±2^e (the layer is evaluated with exact shifts and additions only). */
    public boolean powerOfTwo() {
        return powerOfTwo;
    }

    /** The operations {@link #evaluate} performs (counted the same way as {@link HeOps} counts them). */
    public OpCounts counts() {
        OpCounts.Tally t = new OpCounts.Tally();
        long add = 0;
        long pow2 = 0;
        long constant = 0;
        for (Row r : rows) {
            boolean started = false;
            for (int g = 0; g < r.magnitudes.length; g++) {
                int n = r.inputs[g].length;
                long c = r.magnitudes[g];
                if (c == 1) {
                    add += started ? n : n - 1 + (r.negative[g][0] ? 1 : 0);
                } else if (n == 1) {
                    add += started ? 1 : 0;
                    pow2 += Long.bitCount(c) == 1 ? 1 : 0;
                    constant += Long.bitCount(c) == 1 ? 0 : 1;
                } else {
                    add += n - 1 + (r.negative[g][0] ? 1 : 0) + (started ? 1 : 0);
                    pow2 += Long.bitCount(c) == 1 ? 1 : 0;
                    constant += Long.bitCount(c) == 1 ? 0 : 1;
                }
                started = true;
            }
            if (!started) {
                constant++;
            }
            pow2 += multiplier == 1 ? 0 : 1;
            add += 1;
        }
        return new OpCounts(0, 0, 0, constant, pow2, add, 0, 0, 0, 0);
    }

    /** Evaluates every output; the inputs share level and scale and are not consumed. */
    public Ciphertext[] evaluate(HeOps ops, Ciphertext[] in) {
        if (in.length != map.inputs()) {
            throw new IllegalArgumentException("the layer takes " + map.inputs() + " ciphertexts, not " + in.length);
        }
        Ciphertext[] out = new Ciphertext[rows.length];
        for (int j = 0; j < rows.length; j++) {
            out[j] = row(ops, in, rows[j], map.bias(j));
        }
        return out;
    }

    private Ciphertext row(HeOps ops, Ciphertext[] in, Row r, double bias) {
        Ciphertext acc = null;
        for (int g = 0; g < r.magnitudes.length; g++) {
            long c = r.magnitudes[g];
            int[] idx = r.inputs[g];
            boolean[] neg = r.negative[g];
            if (c == 1) {
                int first = 0;
                if (acc == null) {
                    acc = neg[0] ? ops.negate(in[idx[0]]) : ops.copy(in[idx[0]]);
                    first = 1;
                }
                accumulate(ops, acc, in, idx, neg, first);
            } else if (idx.length == 1) {
                long k = neg[0] ? -c : c;
                if (acc == null) {
                    acc = ops.multiplyInteger(in[idx[0]], k);
                } else {
                    ops.multiplyIntegerAccumulate(acc, in[idx[0]], k);
                }
            } else {
                try (Ciphertext sum = neg[0] ? ops.negate(in[idx[0]]) : ops.copy(in[idx[0]])) {
                    accumulate(ops, sum, in, idx, neg, 1);
                    if (acc == null) {
                        acc = ops.multiplyInteger(sum, c);
                    } else {
                        ops.multiplyIntegerAccumulate(acc, sum, c);
                    }
                }
            }
        }
        if (acc == null) {
            acc = ops.multiplyInteger(in[0], 0);
        }
        Ciphertext scaled = acc;
        if (multiplier != 1) {
            scaled = ops.multiplyByScaleOnly(acc, 1 / multiplier);
            acc.close();
        }
        Ciphertext withBias = ops.addConstant(scaled, bias);
        scaled.close();
        return withBias;
    }

    private static void accumulate(HeOps ops, Ciphertext acc, Ciphertext[] in, int[] idx, boolean[] neg, int from) {
        for (int i = from; i < idx.length; i++) {
            if (neg[i]) {
                ops.subtractInPlace(acc, in[idx[i]]);
            } else {
                ops.addInPlace(acc, in[idx[i]]);
            }
        }
    }
}
