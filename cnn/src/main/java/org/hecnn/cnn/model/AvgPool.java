package org.hecnn.cnn.model;

import java.util.List;

/**
 * Window pooling without padding: {@code y[c][r][s] = scale * sum of the kernelH x kernelW window at
 * (r*strideH, s*strideW)}. An average pool has {@code scale = 1/(kernelH*kernelW)}; after the divisor is folded
 * into a weighted layer the scale is 1 (a pure sum, rotate-and-add under CKKS).
 *
 * @param kernelH window height
 * @param kernelW window width
 * @param strideH vertical stride
 * @param strideW horizontal stride
 * @param scale   factor applied to each window sum
 */
public record AvgPool(int kernelH, int kernelW, int strideH, int strideW, double scale) implements Op {

    /** Validates the parameters. */
    public AvgPool {
        Op.require(kernelH >= 1 && kernelW >= 1 && strideH >= 1 && strideW >= 1, "pool kernel and stride must be >= 1");
        Op.require(Double.isFinite(scale) && scale != 0, "pool scale must be finite and non-zero");
    }

    /** An average pool with a square kernel. */
    public static AvgPool average(int kernel, int stride) {
        return new AvgPool(kernel, kernel, stride, stride, 1.0 / (kernel * kernel));
    }

    /** Whether the pool is a plain window sum (scale 1). */
    public boolean pureSum() {
        return scale == 1.0;
    }

    /** The same pool with another scale. */
    public AvgPool withScale(double newScale) {
        return new AvgPool(kernelH, kernelW, strideH, strideW, newScale);
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        Shape in = inputs.get(0);
        Op.require(!in.flat(), "AvgPool needs a feature map, got vector " + in);
        Op.require(in.height() >= kernelH && in.width() >= kernelW,
                "pool kernel " + kernelH + "x" + kernelW + " larger than input " + in);
        return Shape.map(in.channels(), (in.height() - kernelH) / strideH + 1, (in.width() - kernelW) / strideW + 1);
    }

    @Override
    public String describe() {
        return "avgpool " + kernelH + "x" + kernelW + " stride " + strideH + (strideW != strideH ? "x" + strideW : "")
                + " scale " + scale;
    }
}
