package org.hecnn.inference.packed;

import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.SlotGrid;
import java.util.ArrayList;
import java.util.List;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksEncoder;

/**
 * A fully connected layer from a packed feature map to K outputs, which land in slots 0..K−1 of one ciphertext.
 * For every pixel position p and output k the input is rotated by offset(p) − k (all rotations of one input
 * ciphertext share one decomposition) and multiplied by a plaintext holding W[k][c][p] at slot block(c)·B + k;
 * a rotate-and-add over the blocks then sums the channels. No level is used: the result is not rescaled.
 */
public final class HeLinear implements AutoCloseable {
    private final FeatureMap in;
    private final int outputs;
    private final int[] rotations;
    /** [input ciphertext][rotation index] → plaintext index or −1. */
    private final int[][] plaintextOf;
    private final PlaintextBank bank;
    private final LayerPlaintexts plaintexts;

    /**
     * @param weights [K][C·H·W] in C, H, W order (PyTorch's flatten order)
     * @param bias    [K], may be null
     */
    public HeLinear(CkksEncoder encoder, double[][] weights, double[] bias, FeatureMap in, int level,
                    double ptScale, double ctScale, PlaintextBanks banks) {
        int k = weights.length;
        int positions = in.height() * in.width();
        if (weights[0].length != in.channels() * positions) {
            throw new IllegalArgumentException("linear layer expects " + weights[0].length + " inputs, the map "
                    + in + " has " + in.channels() * positions);
        }
        SlotGrid grid = in.grid();
        if (k > grid.blockSize()) {
            throw new IllegalArgumentException(k + " outputs do not fit a block of " + grid.blockSize() + " slots");
        }
        this.in = in;
        this.outputs = k;
        int slots = grid.slots();
        rotations = new int[positions * k];
        for (int p = 0; p < positions; p++) {
            int offset = in.slotOf(0, p / in.width(), p % in.width());
            for (int j = 0; j < k; j++) {
                rotations[p * k + j] = Math.floorMod(offset - j, slots);
            }
        }
        bank = banks.create(encoder, level, ptScale);
        plaintextOf = new int[in.ciphertexts()][rotations.length];
        int cpc = grid.channelsPerCiphertext();
        for (int g = 0; g < in.ciphertexts(); g++) {
            for (int p = 0; p < positions; p++) {
                for (int j = 0; j < k; j++) {
                    double[] v = new double[slots];
                    boolean any = false;
                    for (int b = 0; b < cpc; b++) {
                        int c = g * cpc + b;
                        if (c >= in.channels()) {
                            break;
                        }
                        double w = weights[j][c * positions + p];
                        v[b * grid.blockSize() + j] = w;
                        any |= w != 0;
                    }
                    plaintextOf[g][p * k + j] = any ? bank.add(v) : -1;
                }
            }
        }
        PlaintextBank biasBank;
        if (bias != null) {
            biasBank = banks.create(encoder, level, ctScale * ptScale);
            double[] v = new double[slots];
            System.arraycopy(bias, 0, v, 0, k);
            biasBank.add(v);
        } else {
            biasBank = null;
        }
        plaintexts = new LayerPlaintexts(bank, biasBank);
    }

    public int[] rotationSteps() {
        List<Integer> steps = new ArrayList<>();
        for (int r : rotations) {
            if (r != 0) {
                steps.add(r);
            }
        }
        for (int b = 1; b < in.grid().channelsPerCiphertext() && b < in.channels(); b <<= 1) {
            steps.add(b * in.grid().blockSize());
        }
        return steps.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Operations one evaluation performs, exactly as {@link HeOps} counts them. */
    public OpCounts counts() {
        OpCounts.Tally t = new OpCounts.Tally();
        long nonZero = java.util.Arrays.stream(rotations).filter(r -> r != 0).count();
        boolean first = true;
        for (int[] row : plaintextOf) {
            if (nonZero > 0) {
                t.decompositions++;
                t.hoisted += nonZero;
            }
            for (int index : row) {
                if (index >= 0) {
                    t.plain++;
                    t.add += first ? 0 : 1;
                    first = false;
                }
            }
        }
        for (int b = 1; b < in.grid().channelsPerCiphertext() && b < in.channels(); b <<= 1) {
            t.rot++;
            t.decompositions++;
            t.add++;
        }
        t.add += plaintexts.hasBias() ? 1 : 0;
        return t.snapshot();
    }

    /** Bytes the plaintexts hold between evaluations, and what they would hold in NTT form and as coefficients. */
    public long[] plaintextBytes(int n) {
        return plaintexts.bytes(n);
    }

    /** Rotations one evaluation performs. */
    public long rotationCount() {
        long perInput = java.util.Arrays.stream(rotations).filter(r -> r != 0).count();
        long blockSums = 0;
        for (int b = 1; b < in.grid().channelsPerCiphertext() && b < in.channels(); b <<= 1) {
            blockSums++;
        }
        return perInput * in.ciphertexts() + blockSums;
    }

    public int outputs() {
        return outputs;
    }

    public Ciphertext apply(HeOps ops, Ciphertext[] inputs) {
        Ciphertext acc = null;
        for (int g = 0; g < inputs.length; g++) {
            Ciphertext[] rotated = ops.rotateHoisted(inputs[g], rotations);
            for (int r = 0; r < rotations.length; r++) {
                int index = plaintextOf[g][r];
                if (index < 0) {
                    continue;
                }
                Ciphertext y = rotated[r];
                if (acc == null) {
                    Ciphertext[] first = new Ciphertext[1];
                    bank.with(index, p -> first[0] = ops.multiplyPlain(y, p));
                    acc = first[0];
                } else {
                    Ciphertext a = acc;
                    bank.with(index, p -> ops.multiplyPlainAccumulate(a, y, p));
                }
            }
            for (Ciphertext c : rotated) {
                c.close();
            }
        }
        int blocks = Math.min(in.grid().channelsPerCiphertext(), in.channels());
        for (int b = 1; b < blocks; b <<= 1) {
            try (Ciphertext shifted = ops.rotate(acc, b * in.grid().blockSize())) {
                ops.addInPlace(acc, shifted);
            }
        }
        return plaintexts.addBias(ops, acc, 0);
    }

    /** Keeps converted plaintexts between applications while on (several images in lockstep). */
    public void reusePlaintexts(boolean on) {
        plaintexts.reuse(on);
    }

    @Override
    public void close() {
        plaintexts.close();
    }
}
