package org.hecnn.cnn.model;

import java.util.List;

/**
 * Global pooling: {@code y[c][0][0] = scale * sum over the H x W map of channel c}. The average has
 * {@code scale = 1/(H*W)} (use {@link #AVERAGE}); after the divisor is folded away the scale is 1.
 *
 * @param scale factor applied to each channel's sum, or NaN for "1/(H*W) of the input"
 */
public record GlobalAvgPool(double scale) implements Op {
    /** The global average (scale 1/(H*W), resolved from the input shape). */
    public static final GlobalAvgPool AVERAGE = new GlobalAvgPool(Double.NaN);

    /** Validates the scale. */
    public GlobalAvgPool {
        Op.require(Double.isNaN(scale) || (Double.isFinite(scale) && scale != 0), "pool scale must be finite and non-zero");
    }

    /** The factor applied to each channel sum for an input map of the given shape. */
    public double scaleFor(Shape in) {
        return Double.isNaN(scale) ? 1.0 / in.plane() : scale;
    }

    /** Whether the pool is a plain sum (scale 1). */
    public boolean pureSum() {
        return scale == 1.0;
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        Shape in = inputs.get(0);
        Op.require(!in.flat(), "GlobalAvgPool needs a feature map, got vector " + in);
        return Shape.map(in.channels(), 1, 1);
    }

    @Override
    public String describe() {
        return "global avgpool" + (Double.isNaN(scale) ? "" : " scale " + scale);
    }
}
