package org.hecnn.inference;

/**
 * The placement of a C×H×W activation in a {@link SlotGrid}: channel c lives in ciphertext c / cpc, block
 * c % cpc, and pixel (h, w) at slot block·B + (h·stride)·R + w·stride. When fewer channels than blocks fill one
 * ciphertext and C divides cpc, the map is replicated: block b holds channel b mod C, so the block pattern is
 * periodic and a convolution reading it needs only C block rotations instead of cpc (half the diagonals for
 * ResNet-20's first stage, 16 channels in 32 blocks).
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

    /** Copies of each channel in the ciphertext: cpc / C when C divides cpc and C < cpc, else 1. */
    public int replicas() {
        int cpc = grid.channelsPerCiphertext();
        return channels < cpc && cpc % channels == 0 ? cpc / channels : 1;
    }

    /** The channel block {@code block} of ciphertext {@code ct} holds, or −1 for an empty block. */
    public int channelOfBlock(int ct, int block) {
        int cpc = grid.channelsPerCiphertext();
        if (replicas() > 1) {
            return ct == 0 ? block % channels : -1;
        }
        int c = ct * cpc + block;
        return c < channels ? c : -1;
    }

    /** The slot of pixel (h, w) in block {@code block}. */
    public int slotAt(int block, int h, int w) {
        return block * grid.blockSize() + h * stride * grid.rowStride() + w * stride;
    }

    public int ciphertexts() {
        int cpc = grid.channelsPerCiphertext();
        return (channels + cpc - 1) / cpc;
    }

    public int ciphertextOf(int channel) {
        return channel / grid.channelsPerCiphertext();
    }

    /** The slot of pixel (h, w) of a channel (its first copy when the map is replicated). */
    public int slotOf(int channel, int h, int w) {
        return slotAt(channel % grid.channelsPerCiphertext(), h, w);
    }

    /** Slot vectors, one per ciphertext, holding tensor[c][h][w] at the slots of every copy, zeros elsewhere. */
    public double[][] pack(double[][][] tensor) {
        if (tensor.length != channels || tensor[0].length != height || tensor[0][0].length != width) {
            throw new IllegalArgumentException("tensor shape does not match " + this);
        }
        double[][] out = new double[ciphertexts()][grid.slots()];
        for (int c = 0; c < channels; c++) {
            for (int k = 0; k < replicas(); k++) {
                for (int h = 0; h < height; h++) {
                    for (int w = 0; w < width; w++) {
                        out[ciphertextOf(c)][slotOf(c, h, w) + k * channels * grid.blockSize()] = tensor[c][h][w];
                    }
                }
            }
        }
        return out;
    }

    /** The tensor read back from slot vectors (one per ciphertext; the first copy of each channel). */
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
