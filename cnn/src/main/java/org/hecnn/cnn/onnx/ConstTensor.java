package org.hecnn.cnn.onnx;

import java.util.Arrays;

/**
 * A constant tensor met during import (an initializer, a Constant node, or a folded shape computation). Integer
 * tensors keep exact {@code long} values (INT64_MAX appears in Slice ends); floating tensors keep doubles.
 */
final class ConstTensor {
    /** Largest element count a folded constant may have (guards ConstantOfShape and friends). */
    static final int MAX_ELEMENTS = 1 << 26;

    private final int[] dims;
    private final double[] doubles;
    private final long[] longs;

    private ConstTensor(int[] dims, double[] doubles, long[] longs) {
        this.dims = dims;
        this.doubles = doubles;
        this.longs = longs;
    }

    static ConstTensor ofDoubles(int[] dims, double[] values) {
        check(dims, values.length);
        return new ConstTensor(dims.clone(), values, null);
    }

    static ConstTensor ofLongs(int[] dims, long[] values) {
        check(dims, values.length);
        return new ConstTensor(dims.clone(), null, values);
    }

    static ConstTensor scalarLong(long v) {
        return ofLongs(new int[0], new long[] {v});
    }

    /** The element count of dims, or -1 if it exceeds {@link #MAX_ELEMENTS} or a dim is negative. */
    static long count(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 0) {
                return -1;
            }
            n *= d;
            if (n > MAX_ELEMENTS) {
                return -1;
            }
        }
        return n;
    }

    private static void check(int[] dims, int length) {
        if (count(dims) != length) {
            throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " do not hold " + length + " values");
        }
    }

    boolean integral() {
        return longs != null;
    }

    int[] dims() {
        return dims.clone();
    }

    int rank() {
        return dims.length;
    }

    int dim(int i) {
        return dims[i];
    }

    int size() {
        return longs != null ? longs.length : doubles.length;
    }

    double doubleAt(int i) {
        return longs != null ? (double) longs[i] : doubles[i];
    }

    long longAt(int i) {
        if (longs != null) {
            return longs[i];
        }
        double d = doubles[i];
        if (d != Math.rint(d) || Math.abs(d) > 9.0e15) {
            throw new IllegalArgumentException("expected an integer, got " + d);
        }
        return (long) d;
    }

    double[] toDoubles() {
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = doubleAt(i);
        }
        return out;
    }

    long[] toLongs() {
        long[] out = new long[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = longAt(i);
        }
        return out;
    }

    /** The same values with other dimensions. */
    ConstTensor reshape(int[] newDims) {
        return longs != null ? ofLongs(newDims, longs) : ofDoubles(newDims, doubles);
    }

    /** A tensor of this kind (integral or not) with the given values, taken from {@code source} indices. */
    ConstTensor gather(int[] newDims, int[] sourceIndex) {
        if (longs != null) {
            long[] v = new long[sourceIndex.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = longs[sourceIndex[i]];
            }
            return ofLongs(newDims, v);
        }
        double[] v = new double[sourceIndex.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = doubles[sourceIndex[i]];
        }
        return ofDoubles(newDims, v);
    }

    @Override
    public String toString() {
        String vals = size() <= 8 ? (longs != null ? Arrays.toString(longs) : Arrays.toString(doubles)) : "...";
        return "const" + Arrays.toString(dims) + vals;
    }
}
