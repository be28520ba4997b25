package org.hecnn.inference.batched;

import org.hecnn.inference.chain.AffineMap;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.hecnn.backend.SparseIntegerMatrix;
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
    private final SparseIntegerMatrix matrix;

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
        matrix = integerMatrix(map, multiplier);
    }

    /** Groups each row's terms by |round(w·M)| (positive terms first, so a negation is needed only if all are). */
    private static SparseIntegerMatrix integerMatrix(AffineMap map, double multiplier) {
        int[] rowGroupStart = new int[map.outputs() + 1];
        List<Long> multipliers = new ArrayList<>();
        List<Integer> groupTermStart = new ArrayList<>(List.of(0));
        List<Integer> columns = new ArrayList<>();
        List<Boolean> negative = new ArrayList<>();
        for (int j = 0; j < map.outputs(); j++) {
            TreeMap<Long, List<int[]>> groups = new TreeMap<>();
            for (int t = map.rowStart(j); t < map.rowEnd(j); t++) {
                long c = Math.round(map.weight(t) * multiplier);
                if (c != 0) {
                    groups.computeIfAbsent(Math.abs(c), k -> new ArrayList<>()).add(
                            new int[] {map.column(t), c < 0 ? 1 : 0});
                }
            }
            for (var e : groups.entrySet()) {
                List<int[]> terms = e.getValue();
                terms.sort((a, b) -> Integer.compare(a[1], b[1]));
                for (int[] term : terms) {
                    columns.add(term[0]);
                    negative.add(term[1] == 1);
                }
                multipliers.add(e.getKey());
                groupTermStart.add(columns.size());
            }
            rowGroupStart[j + 1] = multipliers.size();
        }
        boolean[] neg = new boolean[negative.size()];
        for (int t = 0; t < neg.length; t++) {
            neg[t] = negative.get(t);
        }
        return new SparseIntegerMatrix(map.inputs(), rowGroupStart,
                multipliers.stream().mapToLong(Long::longValue).toArray(),
                groupTermStart.stream().mapToInt(Integer::intValue).toArray(),
                columns.stream().mapToInt(Integer::intValue).toArray(), neg);
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
        long outputs = map.outputs();
        return HeOps.linearMapCounts(matrix).plus(new OpCounts(0, 0, 0, 0, multiplier == 1 ? 0 : outputs,
                outputs, 0, 0, 0, 0));
    }

    /**
     * Evaluates every output: the integer matrix over M in one fused map (M only raises the recorded scale), then
     * the bias in place. The inputs share level and scale and are not consumed.
     */
    public Ciphertext[] evaluate(HeOps ops, Ciphertext[] in) {
        Ciphertext[] out = ops.linearMap(in, matrix, multiplier);
        for (int j = 0; j < out.length; j++) {
            ops.addConstantInPlace(out[j], map.bias(j));
        }
        return out;
    }
}
