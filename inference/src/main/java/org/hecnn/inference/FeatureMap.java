package org.hecnn.inference;

/**
 * The placement of a C×H×W activation in a {@link SlotGrid}: channel c lives in ciphertext c / cpc, block
 * c % cpc, and pixel (h, w) at slot block·B + (h·stride)·R + w·stride.
 */
public record FeatureMap(SlotGrid grid, int channels, int height, int width, int stride) {
    public FeatureMap {
        if (channels < 1 || height < 1 || width < 1 || stride < 1) {
            throw new IllegalArgumentException("feature map dimensions must be positive");
        }
        if ((long) (height - 1) * stride >= grid.height() || (long) (width - 1) * stride >= grid.rowStride()) {
            throw new IllegalArgumentException(height + "x" + width + " at stride " + stride + " does not fit the "
                    + grid.height() + "x" + grid.rowStride() + " grid");
        }
    }

    public int ciphertexts() {
        int cpc = grid.channelsPerCiphertext();
        return (channels + cpc - 1) / cpc;
    }

    public int ciphertextOf(int channel) {
        return channel / grid.channelsPerCiphertext();
    }

    public int slotOf(int channel, int h, int w) {
        int block = channel % grid.channelsPerCiphertext();
        return block * grid.blockSize() + h * stride * grid.rowStride() + w * stride;
    }

    /** Slot vectors, one per ciphertext, holding tensor[c][h][w] at their slots and zeros elsewhere. */
    public double[][] pack(double[][][] tensor) {
        if (tensor.length != channels || tensor[0].length != height || tensor[0][0].length != width) {
            throw new IllegalArgumentException("tensor shape does not match " + this);
        }
        double[][] out = new double[ciphertexts()][grid.slots()];
        for (int c = 0; c < channels; c++) {
            for (int h = 0; h < height; h++) {
                for (int w = 0; w < width; w++) {
                    out[ciphertextOf(c)][slotOf(c, h, w)] = tensor[c][h][w];
                }
            }
        }
        return out;
    }

    /** The tensor read back from slot vectors (one per ciphertext). */
    public double[][][] unpack(double[][] slots) {
        double[][][] t = new double[channels][height][width];
        for (int c = 0; c < channels; c++) {
            for (int h = 0; h < height; h++) {
                for (int w = 0; w < width; w++) {
                    t[c][h][w] = slots[ciphertextOf(c)][slotOf(c, h, w)];
                }
            }
        }
        return t;
    }
}
