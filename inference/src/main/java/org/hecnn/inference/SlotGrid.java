package org.hecnn.inference;

/**
 * How images are laid out in the slots of one ciphertext: the slots are cut into {@code channelsPerCiphertext}
 * blocks of {@code blockSize} slots, each block holding one channel's H×W plane row-major with
 * {@code rowStride} slots per row. Down-sampled maps keep this grid and use every stride-th row and column
 * (they are not repacked).
 */
public record SlotGrid(int slots, int blockSize, int rowStride, int height) {
    public SlotGrid {
        if (Integer.bitCount(slots) != 1 || Integer.bitCount(blockSize) != 1 || blockSize > slots) {
            throw new IllegalArgumentException("slots and block size must be powers of two with block <= slots");
        }
        if ((long) height * rowStride > blockSize) {
            throw new IllegalArgumentException(height + " rows of " + rowStride + " slots do not fit a block of "
                    + blockSize);
        }
    }

    /** The smallest power-of-two block that holds a height×width plane, in ciphertexts of {@code slots}. */
    public static SlotGrid forImage(int slots, int height, int width) {
        int block = Integer.highestOneBit(Math.max(1, height * width - 1)) << 1;
        if (height * width == 1) {
            block = 1;
        }
        if (block > slots) {
            throw new UnsupportedNetworkException("(input)", "a " + height + "x" + width + " plane needs " + block
                    + " slots, more than the " + slots + " a ciphertext has: give the model smaller inputs");
        }
        return new SlotGrid(slots, block, width, height);
    }

    public int channelsPerCiphertext() {
        return slots / blockSize;
    }
}
