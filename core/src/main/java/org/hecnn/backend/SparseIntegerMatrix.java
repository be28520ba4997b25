package org.hecnn.backend;

/**
 * A sparse matrix with integer entries, stored so that entries sharing a magnitude are summed before one
 * multiplication: output row j is Σ_g multiplier(g) · Σ_{t ∈ g} ±input(column(t)) over the groups g of row j.
 * Multipliers are positive (signs live on the terms); a row without groups is zero. Engines apply it to
 * polynomials of one shape ({@link PolyEngine#sparseLinearMap}); the result is exact modulo every prime.
 *
 * @param columns         number of inputs
 * @param rowGroupStart   groups of row j are [rowGroupStart[j], rowGroupStart[j+1])
 * @param groupMultiplier multiplier of each group, at least 1
 * @param groupTermStart  terms of group g are [groupTermStart[g], groupTermStart[g+1])
 * @param termColumn      input index of each term
 * @param termNegative    whether each term is subtracted
 */
public record SparseIntegerMatrix(int columns, int[] rowGroupStart, long[] groupMultiplier, int[] groupTermStart,
                                  int[] termColumn, boolean[] termNegative) {
    /** Checks the structure. */
    public SparseIntegerMatrix {
        int groups = groupMultiplier.length;
        int terms = termColumn.length;
        if (rowGroupStart.length < 1 || rowGroupStart[0] != 0 || rowGroupStart[rowGroupStart.length - 1] != groups
                || groupTermStart.length != groups + 1 || groupTermStart[0] != 0 || groupTermStart[groups] != terms
                || termNegative.length != terms) {
            throw new IllegalArgumentException("inconsistent sparse integer matrix");
        }
        for (int j = 0; j + 1 < rowGroupStart.length; j++) {
            if (rowGroupStart[j] > rowGroupStart[j + 1]) {
                throw new IllegalArgumentException("row " + j + " has a negative group count");
            }
        }
        for (int g = 0; g < groups; g++) {
            if (groupMultiplier[g] < 1 || groupTermStart[g] >= groupTermStart[g + 1]) {
                throw new IllegalArgumentException("group " + g + " needs a positive multiplier and a term");
            }
        }
        for (int c : termColumn) {
            if (c < 0 || c >= columns) {
                throw new IllegalArgumentException("column " + c + " outside 0.." + (columns - 1));
            }
        }
    }

    public int rows() {
        return rowGroupStart.length - 1;
    }

    /**
     * A random matrix for engine conformance tests: per row up to four groups with multipliers 1, 2^k and generic
     * values up to 2^45, one to six terms each with mixed signs, and every seventh row (from row 3) empty.
     */
    public static SparseIntegerMatrix random(java.util.SplittableRandom rnd, int columns, int rows) {
        java.util.List<Integer> rowStart = new java.util.ArrayList<>(java.util.List.of(0));
        java.util.List<Long> mult = new java.util.ArrayList<>();
        java.util.List<Integer> termStart = new java.util.ArrayList<>(java.util.List.of(0));
        java.util.List<Integer> cols = new java.util.ArrayList<>();
        java.util.List<Boolean> neg = new java.util.ArrayList<>();
        for (int j = 0; j < rows; j++) {
            int groups = j % 7 == 3 ? 0 : 1 + rnd.nextInt(4);
            for (int g = 0; g < groups; g++) {
                mult.add(switch (g) {
                    case 0 -> 1L;
                    case 1 -> 1L << (1 + rnd.nextInt(20));
                    default -> 1 + rnd.nextLong(1L << 45);
                });
                for (int t = 1 + rnd.nextInt(6); t > 0; t--) {
                    cols.add(rnd.nextInt(columns));
                    neg.add(rnd.nextInt(3) == 0);
                }
                termStart.add(cols.size());
            }
            rowStart.add(mult.size());
        }
        boolean[] negative = new boolean[neg.size()];
        for (int t = 0; t < negative.length; t++) {
            negative[t] = neg.get(t);
        }
        return new SparseIntegerMatrix(columns, rowStart.stream().mapToInt(Integer::intValue).toArray(),
                mult.stream().mapToLong(Long::longValue).toArray(), termStart.stream().mapToInt(Integer::intValue).toArray(),
                cols.stream().mapToInt(Integer::intValue).toArray(), negative);
    }

    /**
     * The map composed from element-wise engine operations (copy, add, subtract, negate, multiply by a constant and
     * accumulate): what {@link PolyEngine#sparseLinearMap} does on engines that do not fuse it.
     */
    public void applyComposed(PolyEngine engine, DevicePoly[] in, DevicePoly[] out) {
        int limbs = in[0].qLimbs();
        if (in[0].hasSpecial()) {
            throw new IllegalArgumentException("sparse linear maps act on data limbs only");
        }
        long[] one = residues(engine, 1, limbs);
        DevicePoly tmp = null;
        for (int j = 0; j < rows(); j++) {
            DevicePoly acc = out[j];
            boolean started = false;
            for (int g = rowGroupStart[j]; g < rowGroupStart[j + 1]; g++) {
                long c = groupMultiplier[g];
                if (c != 1 && tmp == null) {
                    tmp = engine.allocate(limbs, false);
                }
                DevicePoly target = c == 1 ? acc : tmp;
                boolean targetStarted = c == 1 && started;
                for (int t = groupTermStart[g]; t < groupTermStart[g + 1]; t++) {
                    DevicePoly x = in[termColumn[t]];
                    if (!targetStarted) {
                        if (termNegative[t]) {
                            engine.negate(x, target);
                        } else {
                            engine.multiplyConstant(x, one, target);
                        }
                        targetStarted = true;
                    } else if (termNegative[t]) {
                        engine.subtract(target, x, target);
                    } else {
                        engine.add(target, x, target);
                    }
                }
                if (c != 1) {
                    long[] r = residues(engine, c, limbs);
                    if (started) {
                        engine.multiplyConstantAdd(tmp, r, acc);
                    } else {
                        engine.multiplyConstant(tmp, r, acc);
                    }
                }
                started = true;
            }
            if (!started) {
                engine.multiplyConstant(in[0], new long[limbs], acc);
            }
        }
        if (tmp != null) {
            tmp.close();
        }
    }

    /** c modulo each of the first {@code limbs} data primes. */
    public static long[] residues(PolyEngine engine, long c, int limbs) {
        long[] r = new long[limbs];
        for (int i = 0; i < limbs; i++) {
            r[i] = engine.ring().q(i).reduce(c);
        }
        return r;
    }
}
