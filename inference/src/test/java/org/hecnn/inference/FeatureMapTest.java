package org.hecnn.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Channel placement, including replicated maps (fewer channels than blocks, dividing them). */
class FeatureMapTest {
    @Test
    void replicatedMapsCopyEveryChannelIntoEveryPeriod() {
        SlotGrid grid = SlotGrid.forImage(1024, 8, 8); // 16 blocks of 64 slots
        FeatureMap four = new FeatureMap(grid, 4, 8, 8, 1);
        FeatureMap three = new FeatureMap(grid, 3, 8, 8, 1);
        FeatureMap full = new FeatureMap(grid, 16, 8, 8, 1);
        assertEquals(4, four.replicas());
        assertEquals(1, three.replicas());
        assertEquals(1, full.replicas());
        assertEquals(2, four.channelOfBlock(0, 6));
        assertEquals(-1, three.channelOfBlock(0, 6));
        double[][][] t = new double[4][8][8];
        for (int c = 0; c < 4; c++) {
            t[c][3][5] = c + 1;
        }
        double[] slots = four.pack(t)[0];
        for (int block = 0; block < 16; block++) {
            assertEquals(block % 4 + 1, slots[four.slotAt(block, 3, 5)], "block " + block);
        }
        assertEquals(3.0, four.unpack(new double[][] {slots})[2][3][5]);
        double[] plain = three.pack(new double[][][] {t[0], t[1], t[2]})[0];
        assertEquals(0.0, plain[three.slotAt(5, 3, 5)]);
    }
}
