package org.hecnn.inference;

/**
 * How channels share ciphertexts. PER_CHANNEL is the published method's layout (one channel per ciphertext,
 * row-major, strided maps not repacked); PACKED puts as many channel planes in one ciphertext as its slots hold,
 * so a narrow network does not leave most slots empty.
 */
public enum Layout {
    PER_CHANNEL, PACKED;

    /** The slot grid of this layout for images of the given size. */
    public SlotGrid grid(int slots, int height, int width) {
        SlotGrid packed = SlotGrid.forImage(slots, height, width);
        return this == PACKED ? packed : new SlotGrid(slots, slots, packed.rowStride(), packed.height());
    }
}
