package org.hecnn.inference.chain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A sparse affine map y = W·x + b over flattened neurons, stored row by row (compressed sparse rows, zero
 * weights omitted). Convolutions and fully connected layers both lower to it in the batched layout, where every
 * neuron is its own ciphertext and a weight is a scalar.
 */
public final class AffineMap {
    private final int inputs;
    private final int[] rowStart;
    private final int[] columns;
    private final double[] weights;
    private final double[] bias;
    private final int[][] fields;

    AffineMap(int inputs, int[] rowStart, int[] columns, double[] weights, double[] bias) {
        this(inputs, rowStart, columns, weights, bias, null);
    }

    /**
     * @param fields per row, the inputs it may read by the layer's geometry whatever the weights (−1 for padding),
     *               or null when every row may read every input
     */
    AffineMap(int inputs, int[] rowStart, int[] columns, double[] weights, double[] bias, int[][] fields) {
        if (rowStart.length != bias.length + 1 || columns.length != weights.length
                || rowStart[bias.length] != columns.length) {
            throw new IllegalArgumentException("inconsistent sparse rows");
        }
        this.inputs = inputs;
        this.rowStart = rowStart;
        this.columns = columns;
        this.weights = weights;
        this.bias = bias;
        this.fields = fields;
    }

    /**
     * The inputs row j may read by the layer's geometry (a convolution's receptive field, −1 where it falls on
     * padding), independent of which weights are zero; null for a dense layer (every input).
     */
    public int[] field(int row) {
        return fields == null ? null : fields[row].clone();
    }

    /** Whether the rows have geometric receptive fields (a convolution). */
    public boolean hasFields() {
        return fields != null;
    }

    /** Builds a map from dense rows; exact zeros are dropped. */
    static AffineMap fromDense(double[][] rows, double[] bias, int inputs) {
        Builder b = new Builder(inputs, rows.length);
        for (int j = 0; j < rows.length; j++) {
            for (int i = 0; i < inputs; i++) {
                b.term(i, rows[j][i]);
            }
            b.endRow(bias[j]);
        }
        return b.build();
    }

    public int inputs() {
        return inputs;
    }

    public int outputs() {
        return bias.length;
    }

    /** Nonzero weights in all rows. */
    public int nonZeros() {
        return weights.length;
    }

    public int rowStart(int row) {
        return rowStart[row];
    }

    public int rowEnd(int row) {
        return rowStart[row + 1];
    }

    public int column(int term) {
        return columns[term];
    }

    public double weight(int term) {
        return weights[term];
    }

    public double bias(int row) {
        return bias[row];
    }

    /** W·x + b in double precision. */
    public double[] apply(double[] x) {
        double[] y = new double[outputs()];
        for (int j = 0; j < y.length; j++) {
            double s = bias[j];
            for (int t = rowStart[j]; t < rowStart[j + 1]; t++) {
                s += weights[t] * x[columns[t]];
            }
            y[j] = s;
        }
        return y;
    }

    /** The map x ↦ W·(scale ⊙ x + offset) + b: a diagonal affine step folded in front of this one. */
    AffineMap afterDiagonal(double[] scale, double[] offset) {
        double[] w = weights.clone();
        double[] b = bias.clone();
        for (int j = 0; j < b.length; j++) {
            for (int t = rowStart[j]; t < rowStart[j + 1]; t++) {
                b[j] += weights[t] * offset[columns[t]];
                w[t] *= scale[columns[t]];
            }
        }
        return new AffineMap(inputs, rowStart, columns, w, b, fields);
    }

    /** The same map with {@code delta[j]} added to each row's bias. */
    AffineMap addBias(double[] delta) {
        double[] b = bias.clone();
        for (int j = 0; j < b.length; j++) {
            b[j] += delta[j];
        }
        return new AffineMap(inputs, rowStart, columns, weights, b, fields);
    }

    /** This diagonal map applied after {@code inner}: x ↦ scale ⊙ (inner(x)) + offset (this must be diagonal). */
    AffineMap composeAfter(AffineMap inner) {
        double[] w = inner.weights.clone();
        double[] b = new double[inner.outputs()];
        for (int j = 0; j < b.length; j++) {
            double s = rowStart[j] == rowStart[j + 1] ? 0 : weights[rowStart[j]];
            for (int t = inner.rowStart[j]; t < inner.rowStart[j + 1]; t++) {
                w[t] *= s;
            }
            b[j] = s * inner.bias[j] + bias[j];
        }
        return new AffineMap(inner.inputs, inner.rowStart, inner.columns, w, b, inner.fields);
    }

    /** The diagonal map x ↦ scale ⊙ x + offset. */
    static AffineMap diagonal(double[] scale, double[] offset) {
        Builder b = new Builder(scale.length, scale.length);
        for (int j = 0; j < scale.length; j++) {
            b.term(j, scale[j]);
            b.endRow(offset[j]);
        }
        return b.build();
    }

    /** Row-by-row builder. */
    static final class Builder {
        private final int inputs;
        private int[] rowStart;
        private int rows;
        private int[] columns = new int[64];
        private double[] weights = new double[64];
        private int terms;
        private double[] bias;
        private List<int[]> fields;

        Builder(int inputs, int expectedRows) {
            this.inputs = inputs;
            this.rowStart = new int[expectedRows + 1];
            this.bias = new double[expectedRows];
        }

        void term(int column, double weight) {
            if (weight == 0) {
                return;
            }
            if (column < 0 || column >= inputs) {
                throw new IllegalArgumentException("column " + column + " outside 0.." + (inputs - 1));
            }
            if (terms == columns.length) {
                columns = Arrays.copyOf(columns, terms * 2);
                weights = Arrays.copyOf(weights, terms * 2);
            }
            columns[terms] = column;
            weights[terms] = weight;
            terms++;
        }

        /** The geometric receptive field of the current row (call before {@link #endRow}). */
        void field(int[] columnsOrPadding) {
            if (fields == null) {
                fields = new ArrayList<>();
            }
            fields.add(columnsOrPadding.clone());
        }

        void endRow(double b) {
            if (rows == bias.length) {
                bias = Arrays.copyOf(bias, rows * 2 + 1);
                rowStart = Arrays.copyOf(rowStart, rows * 2 + 2);
            }
            bias[rows] = b;
            rows++;
            rowStart[rows] = terms;
        }

        AffineMap build() {
            if (fields != null && fields.size() != rows) {
                throw new IllegalStateException("receptive fields given for " + fields.size() + " of " + rows + " rows");
            }
            return new AffineMap(inputs, Arrays.copyOf(rowStart, rows + 1), Arrays.copyOf(columns, terms),
                    Arrays.copyOf(weights, terms), Arrays.copyOf(bias, rows),
                    fields == null ? null : fields.toArray(new int[0][]));
        }
    }
}
