package org.hecnn.cnn.model;

/**
 * The shape of one value in the graph, for one image: a feature map of {@code channels x height x width}, or a
 * flat vector of {@code channels} elements ({@code flat}, height and width 1). For a vector, per-channel
 * quantities (BatchNorm statistics, polynomial coefficients, scales) are per element.
 *
 * @param channels channels of a map, or length of a vector; at least 1
 * @param height   rows of a map; 1 for a vector
 * @param width    columns of a map; 1 for a vector
 * @param flat     whether this is a vector
 */
public record Shape(int channels, int height, int width, boolean flat) {

    /** Validates the dimensions. */
    public Shape {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("dimensions must be positive: " + channels + "x" + height + "x" + width);
        }
        if (flat && (height != 1 || width != 1)) {
            throw new IllegalArgumentException("a vector shape has height and width 1");
        }
        if ((long) channels * height * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape too large: " + channels + "x" + height + "x" + width);
        }
    }

    /** A feature map {@code [c][h][w]}. */
    public static Shape map(int c, int h, int w) {
        return new Shape(c, h, w, false);
    }

    /** A flat vector of {@code n} elements. */
    public static Shape vector(int n) {
        return new Shape(n, 1, 1, true);
    }

    /** Number of elements. */
    public int size() {
        return channels * height * width;
    }

    /** Elements per channel ({@code height * width}). */
    public int plane() {
        return height * width;
    }

    /** The dimensions as an array: {@code [C, H, W]} for a map, {@code [N]} for a vector. */
    public int[] dims() {
        return flat ? new int[] {channels} : new int[] {channels, height, width};
    }

    @Override
    public String toString() {
        return flat ? "[" + channels + "]" : "[" + channels + "x" + height + "x" + width + "]";
    }
}
