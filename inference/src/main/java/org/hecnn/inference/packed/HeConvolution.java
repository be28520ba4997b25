package org.hecnn.inference.packed;

import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.SlotGrid;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksEncoder;

/**
 * A 2-D convolution (any kernel, stride, zero padding) on packed feature maps, evaluated with the
 * baby-step/giant-step diagonal method: output block b of output ciphertext go accumulates, for every input
 * ciphertext gi, diagonal d and tap t, w[o][c][t]·rot(x_gi, d·B + δ_t) with c the channel that diagonal d brings
 * into block b. The b1·taps baby rotations of each input share one decomposition (hoisting); the plaintexts are
 * pre-rotated by the giant step so each output needs only cpc/b1 − 1 full rotations. Taps that read outside
 * the image and output slots that hold no valid pixel are zero in the plaintexts (zero padding, strides).
 * The result is not rescaled: its scale is the input scale times the plaintext scale, bias included.
 */
public final class HeConvolution implements ConvolutionLayer {
    private final FeatureMap in;
    private final FeatureMap out;
    private final int babySteps;
    private final int[] babyRotations;
    /**
     * Right rotations (as left steps) that copy the first C_out blocks into the other copies, when the output is
     * replicated but the input is not: the products then fill only C_out blocks (fewer diagonals) and log2(copies)
     * rotate-and-adds make the copies.
     */
    private final int[] replicationSteps;
    /** terms.get(go): giant step → list of (input ciphertext, baby index, plaintext index). */
    private final List<Map<Integer, List<int[]>>> terms = new ArrayList<>();
    private final PlaintextBank bank;
    private final LayerPlaintexts plaintexts;

    /**
     * @param weights  [Co][Ci][kh][kw]
     * @param bias     [Co], may be null
     * @param ptScale  scale of the weight plaintexts
     * @param level    level of the input ciphertexts
     * @param ctScale  scale of the input ciphertexts (for the bias plaintext)
     */
    public HeConvolution(CkksEncoder encoder, double[][][][] weights, double[] bias, int stride, int padding,
                         FeatureMap in, FeatureMap out, int level, double ptScale, double ctScale,
                         PlaintextBanks banks) {
        this(encoder, weights, bias, stride, padding, padding, in, out, level, ptScale, ctScale, banks);
    }

    /** As above with separate top and left padding (bottom and right follow from the output size). */
    public HeConvolution(CkksEncoder encoder, double[][][][] weights, double[] bias, int stride, int padTop,
                         int padLeft, FeatureMap in, FeatureMap out, int level, double ptScale, double ctScale,
                         PlaintextBanks banks) {
        this(encoder, weights, bias, stride, padTop, padLeft, in, out, level, ptScale, ctScale, banks,
                Integer.MAX_VALUE);
    }

    /**
     * As above with at most {@code maxBabySteps} baby steps per diagonal group: fewer baby steps mean fewer
     * distinct rotations (smaller key sets) at the price of more giant-step rotations.
     */
    public HeConvolution(CkksEncoder encoder, double[][][][] weights, double[] bias, int stride, int padTop,
                         int padLeft, FeatureMap in, FeatureMap out, int level, double ptScale, double ctScale,
                         PlaintextBanks banks, int maxBabySteps) {
        int co = weights.length;
        int ci = weights[0].length;
        int kh = weights[0][0].length;
        int kw = weights[0][0][0].length;
        if (ci != in.channels() || co != out.channels() || out.stride() != in.stride() * stride) {
            throw new IllegalArgumentException("convolution shape " + co + "x" + ci + " stride " + stride
                    + " does not connect " + in + " to " + out);
        }
        this.in = in;
        this.out = out;
        SlotGrid grid = in.grid();
        this.replicationSteps = replicatesAfterwards(in, out) ? replicationSteps(out) : new int[0];
        int cpc = grid.channelsPerCiphertext();
        int slots = grid.slots();
        int bSize = grid.blockSize();
        int r = grid.rowStride();
        int taps = kh * kw;
        // Which (output ciphertext, input ciphertext, diagonal, tap) have a non-zero plaintext.
        boolean[][][][] used = new boolean[out.ciphertexts()][in.ciphertexts()][cpc][taps];
        java.util.TreeSet<Integer> usedDiagonals = new java.util.TreeSet<>();
        for (int go = 0; go < out.ciphertexts(); go++) {
            for (int gi = 0; gi < in.ciphertexts(); gi++) {
                for (int d = 0; d < cpc; d++) {
                    for (int t = 0; t < taps; t++) {
                        used[go][gi][d][t] = tapUsed(weights, stride, padTop, padLeft, go, gi, d, t / kw, t % kw);
                        if (used[go][gi][d][t]) {
                            usedDiagonals.add(d);
                        }
                    }
                }
            }
        }
        this.babySteps = chooseBabySteps(usedDiagonals, Math.min(cpc, Math.max(1, maxBabySteps)), taps,
                in.ciphertexts(), out.ciphertexts());
        java.util.TreeSet<Integer> usedBaby = new java.util.TreeSet<>();
        for (int d : usedDiagonals) {
            usedBaby.add(d % babySteps);
        }
        Map<Integer, Integer> babyIndex = new java.util.HashMap<>();
        babyRotations = new int[usedBaby.size() * taps];
        int bi = 0;
        for (int d0 : usedBaby) {
            babyIndex.put(d0, bi);
            for (int t = 0; t < taps; t++) {
                int dy = t / kw - padTop;
                int dx = t % kw - padLeft;
                babyRotations[bi * taps + t] = Math.floorMod(d0 * bSize + in.stride() * (dy * r + dx), slots);
            }
            bi++;
        }
        this.bank = banks.create(encoder, level, ptScale);
        for (int go = 0; go < out.ciphertexts(); go++) {
            Map<Integer, List<int[]>> byGiant = new LinkedHashMap<>();
            for (int gi = 0; gi < in.ciphertexts(); gi++) {
                for (int d : usedDiagonals) {
                    int d0 = d % babySteps;
                    int giant = d - d0;
                    for (int t = 0; t < taps; t++) {
                        if (!used[go][gi][d][t]) {
                            continue;
                        }
                        int[] at = {go, gi, d, t / kw, t % kw, giant * bSize};
                        int index = bank.add(() -> rotateRight(tapPlaintext(weights, stride, padTop, padLeft, at[0],
                                at[1], at[2], at[3], at[4]), at[5]));
                        byGiant.computeIfAbsent(giant, g -> new ArrayList<>())
                                .add(new int[] {gi, babyIndex.get(d0) * taps + t, index});
                    }
                }
            }
            terms.add(byGiant);
        }
        PlaintextBank biasBank;
        if (bias != null) {
            biasBank = banks.create(encoder, level, ctScale * ptScale);
            double[][][] b = new double[co][out.height()][out.width()];
            for (int o = 0; o < co; o++) {
                for (double[] row : b[o]) {
                    java.util.Arrays.fill(row, bias[o]);
                }
            }
            for (double[] slotsOfCt : out.pack(b)) {
                biasBank.add(slotsOfCt);
            }
        } else {
            biasBank = null;
        }
        plaintexts = new LayerPlaintexts(bank, biasBank);
    }

    /**
     * Baby-step count (a power of two up to {@code maxBaby}) minimising the estimated rotation cost of
     * the used diagonals: hoisted baby rotations per input plus full giant rotations (about 3 times dearer) per
     * output.
     */
    static int chooseBabySteps(java.util.Set<Integer> diagonals, int maxBaby, int taps, int inputs, int outputs) {
        double fullRotationCost = 3.0;
        int best = 1;
        double bestCost = Double.MAX_VALUE;
        for (int b1 = 1; b1 <= maxBaby; b1 <<= 1) {
            java.util.Set<Integer> babies = new java.util.HashSet<>();
            java.util.Set<Integer> giants = new java.util.HashSet<>();
            for (int d : diagonals) {
                babies.add(d % b1);
                giants.add(d - d % b1);
            }
            giants.remove(0);
            double cost = inputs * (double) babies.size() * taps + outputs * fullRotationCost * giants.size();
            if (cost < bestCost) {
                bestCost = cost;
                best = b1;
            }
        }
        return best;
    }

    /** Whether the output copies are made by rotations after the products (replicated output, plain input). */
    private static boolean replicatesAfterwards(FeatureMap in, FeatureMap out) {
        return out.replicas() > 1 && in.replicas() == 1;
    }

    private static int[] replicationSteps(FeatureMap out) {
        int slots = out.grid().slots();
        int[] steps = new int[Integer.numberOfTrailingZeros(out.replicas())];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = slots - (out.channels() << i) * out.grid().blockSize();
        }
        return steps;
    }

    /** The channel an output block computes in the products (−1: none, or a copy made afterwards). */
    private int producedChannel(int go, int block) {
        if (replicationSteps.length > 0 && block >= out.channels()) {
            return -1;
        }
        return out.channelOfBlock(go, block);
    }

    /** Whether a tap plaintext has any non-zero slot, without building it. */
    private boolean tapUsed(double[][][][] weights, int stride, int padTop, int padLeft, int go, int gi, int d,
                            int ky, int kx) {
        int cpc = in.grid().channelsPerCiphertext();
        int dy = ky - padTop;
        int dx = kx - padLeft;
        boolean rowOk = false;
        for (int h = 0; h < out.height() && !rowOk; h++) {
            int hi = h * stride + dy;
            rowOk = hi >= 0 && hi < in.height();
        }
        boolean colOk = false;
        for (int x = 0; x < out.width() && !colOk; x++) {
            int wi = x * stride + dx;
            colOk = wi >= 0 && wi < in.width();
        }
        if (!rowOk || !colOk) {
            return false;
        }
        if (in.replicas() > 1 && d >= in.channels()) {
            return false; // block rotation d + C reads the same channels as d: one copy is enough
        }
        for (int b = 0; b < cpc; b++) {
            int o = producedChannel(go, b);
            int c = in.channelOfBlock(gi, (b + d) % cpc);
            if (o >= 0 && c >= 0 && weights[o][c][ky][kx] != 0) {
                return true;
            }
        }
        return false;
    }

    private double[] tapPlaintext(double[][][][] weights, int stride, int padTop, int padLeft, int go, int gi, int d,
                                 int ky, int kx) {
        SlotGrid grid = in.grid();
        int cpc = grid.channelsPerCiphertext();
        double[] v = null;
        int dy = ky - padTop;
        int dx = kx - padLeft;
        if (in.replicas() > 1 && d >= in.channels()) {
            return null;
        }
        for (int b = 0; b < cpc; b++) {
            int o = producedChannel(go, b);
            int c = in.channelOfBlock(gi, (b + d) % cpc);
            if (o < 0 || c < 0) {
                continue;
            }
            double w = weights[o][c][ky][kx];
            if (w == 0) {
                continue;
            }
            for (int h = 0; h < out.height(); h++) {
                int hi = h * stride + dy;
                if (hi < 0 || hi >= in.height()) {
                    continue;
                }
                for (int x = 0; x < out.width(); x++) {
                    int wi = x * stride + dx;
                    if (wi < 0 || wi >= in.width()) {
                        continue;
                    }
                    if (v == null) {
                        v = new double[grid.slots()];
                    }
                    v[out.slotAt(b, h, x)] = w;
                }
            }
        }
        return v;
    }

    /** rot(v, −k): element j of the result is v[j − k]. */
    private static double[] rotateRight(double[] v, int k) {
        if (k == 0) {
            return v;
        }
        int n = v.length;
        double[] r = new double[n];
        for (int j = 0; j < n; j++) {
            r[Math.floorMod(j + k, n)] = v[j];
        }
        return r;
    }

    public FeatureMap output() {
        return out;
    }

    /** Every rotation step the layer uses (for generating Galois keys). */
    public int[] rotationSteps() {
        java.util.Set<Integer> steps = new java.util.TreeSet<>();
        for (int b : babyRotations) {
            if (b != 0) {
                steps.add(b);
            }
        }
        for (Map<Integer, List<int[]>> byGiant : terms) {
            for (int giant : byGiant.keySet()) {
                int step = Math.floorMod(giant * in.grid().blockSize(), in.grid().slots());
                if (step != 0) {
                    steps.add(step);
                }
            }
        }
        for (int step : replicationSteps) {
            steps.add(step);
        }
        return steps.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Operations one evaluation performs, exactly as {@link HeOps} counts them. */
    public OpCounts counts() {
        OpCounts.Tally t = new OpCounts.Tally();
        long babies = java.util.Arrays.stream(babyRotations).filter(b -> b != 0).count();
        if (babies > 0) {
            t.decompositions += in.ciphertexts();
            t.hoisted += babies * in.ciphertexts();
        }
        for (Map<Integer, List<int[]>> byGiant : terms) {
            int group = 0;
            for (Map.Entry<Integer, List<int[]>> e : byGiant.entrySet()) {
                t.plain += e.getValue().size();
                t.add += e.getValue().size() - 1;
                if (Math.floorMod(e.getKey() * in.grid().blockSize(), in.grid().slots()) != 0) {
                    t.decompositions++;
                    t.rot++;
                }
                t.add += group++ > 0 ? 1 : 0;
            }
            t.constant += byGiant.isEmpty() ? 1 : 0;
            t.rot += replicationSteps.length;
            t.decompositions += replicationSteps.length;
            t.add += replicationSteps.length;
            t.add += plaintexts.hasBias() ? 1 : 0;
        }
        return t.snapshot();
    }

    /** Bytes the plaintexts hold between evaluations, and what they would hold in NTT form and as coefficients. */
    public long[] plaintextBytes(int n) {
        return plaintexts.bytes(n);
    }

    /** Rotations one evaluation performs: hoisted baby steps per input plus giant steps per output. */
    public long rotationCount() {
        long baby = java.util.Arrays.stream(babyRotations).filter(b -> b != 0).count() * in.ciphertexts();
        long giant = 0;
        for (Map<Integer, List<int[]>> byGiant : terms) {
            giant += byGiant.keySet().stream().filter(g -> g != 0).count();
        }
        return baby + giant + (long) replicationSteps.length * out.ciphertexts();
    }

    /** Plaintexts this layer keeps (for memory accounting). */
    public int plaintextCount() {
        return plaintexts.size();
    }

    /** Evaluates the convolution; the outputs are at the input level with scale ctScale·ptScale. */
    public Ciphertext[] apply(HeOps ops, Ciphertext[] inputs) {
        return applyTogether(ops, java.util.Collections.singletonList(inputs)).get(0);
    }

    /**
     * Evaluates the convolution on several images at once: every plaintext is prepared once and multiplied into
     * each image's sums (same operations per image as {@link #apply}, so each result is bit-identical to it).
     */
    @Override
    public List<Ciphertext[]> applyTogether(HeOps ops, List<Ciphertext[]> inputs) {
        SlotGrid grid = in.grid();
        int images = inputs.size();
        // baby.get(m).get(gi): image m's baby rotations of input ciphertext gi
        List<List<Ciphertext[]>> baby = new ArrayList<>();
        for (Ciphertext[] image : inputs) {
            List<Ciphertext[]> rotated = new ArrayList<>();
            for (Ciphertext x : image) {
                rotated.add(ops.rotateHoisted(x, babyRotations));
            }
            baby.add(rotated);
        }
        List<Ciphertext[]> results = new ArrayList<>();
        for (int m = 0; m < images; m++) {
            results.add(new Ciphertext[out.ciphertexts()]);
        }
        for (int go = 0; go < out.ciphertexts(); go++) {
            Ciphertext[] total = new Ciphertext[images];
            for (Map.Entry<Integer, List<int[]>> e : terms.get(go).entrySet()) {
                List<int[]> group = e.getValue();
                Ciphertext[] acc = bank.multiplySum(ops, group.stream().mapToInt(term -> term[2]).toArray(), j -> {
                    Ciphertext[] ys = new Ciphertext[images];
                    for (int m = 0; m < images; m++) {
                        ys[m] = baby.get(m).get(group.get(j)[0])[group.get(j)[1]];
                    }
                    return ys;
                });
                int step = Math.floorMod(e.getKey() * grid.blockSize(), grid.slots());
                for (int m = 0; m < images; m++) {
                    Ciphertext shifted = acc[m];
                    if (step != 0) {
                        shifted = ops.rotate(acc[m], step);
                        acc[m].close();
                    }
                    if (total[m] == null) {
                        total[m] = shifted;
                    } else {
                        ops.addInPlace(total[m], shifted);
                        shifted.close();
                    }
                }
            }
            for (int m = 0; m < images; m++) {
                if (total[m] == null) {
                    // Every weight into this output ciphertext is zero: a zero ciphertext at the right level and scale.
                    total[m] = ops.multiplyConstant(inputs.get(m)[0], 0.0, bank.scale());
                }
                for (int step : replicationSteps) {
                    try (Ciphertext copy = ops.rotate(total[m], step)) {
                        ops.addInPlace(total[m], copy);
                    }
                }
                results.get(m)[go] = plaintexts.addBias(ops, total[m], go);
            }
        }
        for (List<Ciphertext[]> image : baby) {
            for (Ciphertext[] cts : image) {
                for (Ciphertext c : cts) {
                    c.close();
                }
            }
        }
        return results;
    }

    @Override
    public void reusePlaintexts(boolean on) {
        plaintexts.reuse(on);
    }

    @Override
    public void close() {
        plaintexts.close();
    }
}
