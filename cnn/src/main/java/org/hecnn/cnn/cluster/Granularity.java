package org.hecnn.cnn.cluster;

/**
 * Which weights of a convolution share one codebook (one k-means run). For a weight tensor
 * {@code w[o][c][y][x]} ({@code [Co][Ci][kh][kw]}):
 * <ul>
 * <li>{@link #PER_LAYER}: all {@code Co·Ci·kh·kw} weights of the layer form one 1-D clustering; the layer ends with at
 * most k distinct values.</li>
 * <li>{@link #PER_KERNEL_COLUMN}: one clustering per kernel column index {@code x}: the {@code Co·Ci·kh} weights
 * {@code w[*][*][*][x]} (column x of every kh×kw kernel of the layer). A 3×3 layer gets 3 codebooks and at most 3k
 * distinct values, yet any one tap (y, x) still sees at most k distinct values, so a clustered convolution multiplies
 * at most k times per output channel and tap and caches at most k plaintexts per tap — the same costs as
 * {@link #PER_LAYER}, with a finer fit. This is the reading of the method's "per kernel column (1-D, k up to 1024)"
 * under which k up to 1024 is meaningful (a column of a 256-channel ResNet layer holds 196,608 weights).</li>
 * <li>{@link #PER_OUTPUT_KERNEL_COLUMN}: one clustering per output channel and kernel column, {@code w[o][*][*][x]}
 * ({@code Ci·kh} weights each). Finest fit, but the plaintext cache per (value, tap) grows by a factor Co, and a
 * column with at most k weights is left exactly as it is (for a 16-channel layer, k ≥ 48 changes nothing).</li>
 * </ul>
 * A 1×1 convolution has one column, so {@link #PER_KERNEL_COLUMN} equals {@link #PER_LAYER} there.
 */
public enum Granularity {
    PER_LAYER, PER_KERNEL_COLUMN, PER_OUTPUT_KERNEL_COLUMN;

    /** Number of separate clusterings for a weight tensor of these dimensions. */
    public int groups(int co, int kw) {
        return switch (this) {
            case PER_LAYER -> 1;
            case PER_KERNEL_COLUMN -> kw;
            case PER_OUTPUT_KERNEL_COLUMN -> co * kw;
        };
    }

    /** The clustering the weight {@code w[o][c][y][x]} belongs to, in {@code [0, groups(co, kw))}. */
    public int groupOf(int o, int x, int kw) {
        return switch (this) {
            case PER_LAYER -> 0;
            case PER_KERNEL_COLUMN -> x;
            case PER_OUTPUT_KERNEL_COLUMN -> o * kw + x;
        };
    }

    /** Short name for reports: {@code layer}, {@code column}, {@code out-column}. */
    public String label() {
        return switch (this) {
            case PER_LAYER -> "layer";
            case PER_KERNEL_COLUMN -> "column";
            case PER_OUTPUT_KERNEL_COLUMN -> "out-column";
        };
    }
}
