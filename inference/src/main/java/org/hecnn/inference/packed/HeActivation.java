package org.hecnn.inference.packed;

import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.OpCounts;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksEncoder;

/**
 * The quadratic activation x² + c1·x + c0 (x² coefficient 1 after weight redistribution), evaluated as
 * (x + c1/2)² + (c0 − c1²/4): one squaring and one rescale (the layer's prime), preceded with separate rescales by
 * a rescale that removes the weight scale; the constants are added for free. Per-channel coefficients (a BatchNorm
 * folded into the activation) are added as plaintext vectors.
 */
public final class HeActivation implements AutoCloseable {
    private final boolean rescaleFirst;
    private final double shift;
    private final double offset;
    private final PlaintextBank shiftBank;
    private final PlaintextBank offsetBank;

    /** One polynomial for all channels; {@code rescaleFirst}: rescale the input before squaring it. */
    public HeActivation(double c0, double c1, double c2, boolean rescaleFirst) {
        requireMonic(c2);
        this.rescaleFirst = rescaleFirst;
        this.shift = c1 / 2;
        this.offset = c0 - c1 * c1 / 4;
        this.shiftBank = null;
        this.offsetBank = null;
    }

    /**
     * One polynomial per channel: {@code coefficients[c] = {c0, c1, c2}}; the value squared has scale
     * {@code inScale} at {@code level} (after the first rescale if {@code rescaleFirst}), the output has scale
     * {@code outScale} one level lower. The plaintexts are kept as {@code banks} say (PLAN_ONLY counts them without
     * encoding).
     */
    public HeActivation(double[][] coefficients, FeatureMap map, CkksEncoder encoder, int level, double inScale,
                        double outScale, PlaintextBanks banks, boolean rescaleFirst) {
        this.rescaleFirst = rescaleFirst;
        if (coefficients.length != map.channels()) {
            throw new IllegalArgumentException("need one polynomial per channel of " + map);
        }
        double[][][] shifts = new double[map.channels()][map.height()][map.width()];
        double[][][] offsets = new double[map.channels()][map.height()][map.width()];
        for (int c = 0; c < map.channels(); c++) {
            requireMonic(coefficients[c][2]);
            double c0 = coefficients[c][0];
            double c1 = coefficients[c][1];
            for (int h = 0; h < map.height(); h++) {
                java.util.Arrays.fill(shifts[c][h], c1 / 2);
                java.util.Arrays.fill(offsets[c][h], c0 - c1 * c1 / 4);
            }
        }
        this.shift = 0;
        this.offset = 0;
        this.shiftBank = banks.create(encoder, level, inScale);
        this.offsetBank = banks.create(encoder, level - 1, outScale);
        for (double[] v : map.pack(shifts)) {
            shiftBank.add(v);
        }
        for (double[] v : map.pack(offsets)) {
            offsetBank.add(v);
        }
        shiftBank.encodePending();
        offsetBank.encodePending();
    }

    private static void requireMonic(double c2) {
        if (c2 != 1.0) {
            throw new IllegalArgumentException("the activation's x^2 coefficient must be 1 (run weight "
                    + "redistribution first), got " + c2);
        }
    }

    /** Operations per ciphertext, exactly as {@link HeOps} counts them. */
    public OpCounts counts() {
        OpCounts.Tally t = new OpCounts.Tally();
        t.add += (shiftBank != null || shift != 0 ? 1 : 0) + (offsetBank != null || offset != 0 ? 1 : 0);
        t.ctCt++;
        t.relin++;
        t.rescale += rescaleFirst ? 2 : 1;
        return t.snapshot();
    }

    /**
     * Bytes its plaintexts hold between uses, and what they would hold in NTT form and as coefficients (all 0 for
     * shared constants).
     */
    public long[] plaintextBytes(int n) {
        return PlaintextBank.footprint(n, shiftBank, offsetBank);
    }

    /** Applies the activation to ciphertext {@code index} of a feature map. */
    public Ciphertext apply(HeOps ops, Ciphertext input, int index) {
        Ciphertext x = rescaleFirst ? ops.rescale(input) : input;
        Ciphertext centred;
        if (shiftBank != null) {
            Ciphertext[] r = new Ciphertext[1];
            shiftBank.with(index, p -> r[0] = ops.addPlain(x, p));
            centred = r[0];
        } else {
            centred = shift == 0 ? x : ops.addConstant(x, shift);
        }
        Ciphertext product = ops.square(centred);
        Ciphertext squared = ops.rescale(product);
        product.close();
        if (centred != input) {
            centred.close();
        }
        if (x != input && x != centred) {
            x.close();
        }
        if (offsetBank != null) {
            Ciphertext[] r = new Ciphertext[1];
            offsetBank.with(index, p -> r[0] = ops.addPlain(squared, p));
            return r[0];
        }
        return offset == 0 ? squared : ops.addConstant(squared, offset);
    }

    @Override
    public void close() {
        if (shiftBank != null) {
            shiftBank.close();
            offsetBank.close();
        }
    }
}
