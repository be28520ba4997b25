package org.hecnn.cnn.model;

import java.util.List;

/**
 * A 2-D convolution (cross-correlation, as in PyTorch) with zero padding, no dilation, one group:
 * {@code y[o][r][c] = bias[o] + sum_{i,u,v} w[o][i][u][v] * x[i][r*strideH + u - padTop][c*strideW + v - padLeft]}.
 * A 1x1 convolution with stride 2 is the "option B" shortcut.
 *
 * @param weight     weights {@code [Co][Ci][kh][kw]}
 * @param bias       bias {@code [Co]} (zeros when the layer has none)
 * @param strideH    vertical stride
 * @param strideW    horizontal stride
 * @param padTop     zero rows added above
 * @param padLeft    zero columns added on the left
 * @param padBottom  zero rows added below
 * @param padRight   zero columns added on the right
 */
public record Conv2d(Tensor weight, Tensor bias, int strideH, int strideW, int padTop, int padLeft, int padBottom,
        int padRight) implements Op {

    /** Validates the parameters. */
    public Conv2d {
        Op.require(weight != null && weight.rank() == 4, "conv weight must be [Co][Ci][kh][kw]");
        Op.require(bias != null && bias.rank() == 1 && bias.dim(0) == weight.dim(0),
                "conv bias must be [Co] = [" + weight.dim(0) + "]");
        Op.require(strideH >= 1 && strideW >= 1, "strides must be at least 1");
        Op.require(padTop >= 0 && padLeft >= 0 && padBottom >= 0 && padRight >= 0, "padding must not be negative");
    }

    /** A convolution with equal strides and the same padding on all sides; a null bias means zeros. */
    public static Conv2d of(Tensor weight, Tensor bias, int stride, int padding) {
        return new Conv2d(weight, bias == null ? Tensor.zeros(weight.dim(0)) : bias, stride, stride, padding, padding,
                padding, padding);
    }

    /** Output channels. */
    public int outChannels() {
        return weight.dim(0);
    }

    /** Input channels. */
    public int inChannels() {
        return weight.dim(1);
    }

    /** Kernel height. */
    public int kernelH() {
        return weight.dim(2);
    }

    /** Kernel width. */
    public int kernelW() {
        return weight.dim(3);
    }

    /** Whether the layer pads nothing. */
    public boolean unpadded() {
        return padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0;
    }

    /** The same layer with other weights and bias. */
    public Conv2d withParameters(Tensor newWeight, Tensor newBias) {
        return new Conv2d(newWeight, newBias, strideH, strideW, padTop, padLeft, padBottom, padRight);
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        Shape in = inputs.get(0);
        Op.require(!in.flat(), "Conv2d needs a feature map, got vector " + in);
        Op.require(in.channels() == inChannels(),
                "Conv2d weights expect " + inChannels() + " input channels, input is " + in);
        int h = in.height() + padTop + padBottom - kernelH();
        int w = in.width() + padLeft + padRight - kernelW();
        Op.require(h >= 0 && w >= 0,
                "kernel " + kernelH() + "x" + kernelW() + " larger than padded input " + in);
        return Shape.map(outChannels(), h / strideH + 1, w / strideW + 1);
    }

    @Override
    public String describe() {
        return "conv " + outChannels() + "x" + inChannels() + "x" + kernelH() + "x" + kernelW() + " stride "
                + strideH + (strideW != strideH ? "x" + strideW : "") + " pad " + padTop
                + (unpaddedSymmetric() ? "" : "," + padLeft + "," + padBottom + "," + padRight);
    }

    private boolean unpaddedSymmetric() {
        return padTop == padLeft && padTop == padBottom && padTop == padRight;
    }
}
