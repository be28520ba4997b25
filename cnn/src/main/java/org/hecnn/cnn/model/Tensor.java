package org.hecnn.cnn.model;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * An immutable dense array of doubles with row-major dimensions: weights ({@code [Co][Ci][kh][kw]},
 * {@code [out][in]}), per-channel vectors, and the values the plaintext evaluator produces. Every accessor that
 * returns an array returns a copy.
 */
public final class Tensor {
    private final int[] dims;
    private final double[] data;

    private Tensor(int[] dims, double[] data) {
        this.dims = dims;
        this.data = data;
    }

    /**
     * A tensor holding a copy of {@code data} with the given dimensions.
     *
     * @throws IllegalArgumentException if a dimension is not positive or the sizes disagree
     */
    public static Tensor of(double[] data, int... dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException("tensor dimensions must be positive: " + Arrays.toString(dims));
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("tensor too large: " + Arrays.toString(dims));
            }
        }
        if (n != data.length) {
            throw new IllegalArgumentException("dimensions " + Arrays.toString(dims) + " need " + n
                    + " values, got " + data.length);
        }
        return new Tensor(dims.clone(), data.clone());
    }

    /** A one-dimensional tensor holding a copy of {@code values}. */
    public static Tensor vector(double... values) {
        return of(values, values.length);
    }

    /** A tensor of zeros. */
    public static Tensor zeros(int... dims) {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor too large: " + Arrays.toString(dims));
        }
        return of(new double[(int) Math.max(n, 0)], dims);
    }

    /** A tensor of the given shape (a map {@code [C,H,W]} or a vector {@code [N]}) holding a copy of data. */
    public static Tensor of(Shape shape, double[] data) {
        return of(data, shape.dims());
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Size of dimension {@code i}. */
    public int dim(int i) {
        return dims[i];
    }

    /** The dimensions (a copy). */
    public int[] dims() {
        return dims.clone();
    }

    /** Number of elements. */
    public int size() {
        return data.length;
    }

    /** The element at a row-major flat index. */
    public double get(int flatIndex) {
        return data[flatIndex];
    }

    /** The element at the given indices (one per dimension). */
    public double at(int... index) {
        if (index.length != dims.length) {
            throw new IllegalArgumentException("need " + dims.length + " indices, got " + index.length);
        }
        int flat = 0;
        for (int i = 0; i < dims.length; i++) {
            if (index[i] < 0 || index[i] >= dims[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside " + Arrays.toString(dims));
            }
            flat = flat * dims[i] + index[i];
        }
        return data[flat];
    }

    /** The elements in row-major order (a copy). */
    public double[] toArray() {
        return data.clone();
    }

    /** A tensor with the same dimensions and {@code f} applied to every element. */
    public Tensor map(DoubleUnaryOperator f) {
        double[] out = new double[data.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = f.applyAsDouble(data[i]);
        }
        return new Tensor(dims, out);
    }

    /** The same elements with other dimensions of the same total size. */
    public Tensor reshape(int... newDims) {
        return of(data, newDims);
    }

    /** Largest absolute element (0 for an empty tensor). */
    public double maxAbs() {
        double m = 0;
        for (double v : data) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** Largest absolute elementwise difference to a tensor of the same size. */
    public double maxAbsDiff(Tensor other) {
        if (other.data.length != data.length) {
            throw new IllegalArgumentException("sizes differ: " + data.length + " vs " + other.data.length);
        }
        double m = 0;
        for (int i = 0; i < data.length; i++) {
            m = Math.max(m, Math.abs(data[i] - other.data[i]));
        }
        return m;
    }

    /** Index of the largest element (the predicted class of a logit vector). */
    public int argMax() {
        int best = 0;
        for (int i = 1; i < data.length; i++) {
            if (data[i] > data[best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(dims, t.dims) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(dims) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Arrays.toString(dims));
        if (data.length <= 8) {
            sb.append(Arrays.toString(data));
        }
        return sb.toString();
    }
}
