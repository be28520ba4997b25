package org.hecnn.inference.packed;

import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.SlotGrid;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksEncoder;

/**
 * A 2-D convolution in the per-channel layout (one channel per ciphertext, {@code Layout.PER_CHANNEL}) that exploits
 * clustered weights (method part A, item 9): for every output channel o and tap t, the rotated inputs
 * rot(x_c, δ_t) whose weights w[o][c][t] share one value v are first ADDED, and the sum is multiplied ONCE by the
 * plaintext v·mask_t (mask_t: 1 on the output pixels whose tap-t input lies inside the image, 0 elsewhere — the
 * zero padding and the stride). So
 * <pre>  y_o = Σ_t Σ_v (v·mask_t) · Σ_{c : w[o][c][t] = v} rot(x_c, δ_t)  (+ bias_o)</pre>
 * Plaintext multiplications per output channel are the number of distinct non-zero (tap, value) pairs — at most
 * k·taps after clustering with k values — instead of one per non-zero (input channel, tap). Rotations (one hoisted
 * decomposition per input, shared by all taps and outputs) and additions are the same as the unclustered
 * per-channel convolution. The plaintexts depend only on (value, tap), not on the output channel, so they are
 * encoded once per model and shared by every output channel that uses the value ({@link #plaintextCount()}).
 *
 * <p>Ensembles need nothing special here: {@link org.hecnn.cnn.ensemble.EnsembleStack} stacks their members into
 * one model (after joint clustering, members share cluster indices, so stacked channels share values too).
 *
 * <p>Works on any weights (unclustered ones just form groups of size one, plus chance coincidences); the result is
 * the same as {@code HeConvolution} in the per-channel layout to CKKS precision. The result is not rescaled: its
 * scale is the input scale times the plaintext scale, bias included.
 */
public final class ClusteredPerChannelConvolution implements ConvolutionLayer {
    private final FeatureMap in;
    private final FeatureMap out;
    /** Rotation step of each used tap (hoisted, one decomposition per input ciphertext). */
    private final int[] tapSteps;
    /** Original tap index (ky·kw + kx) of each used tap. */
    private final int[] tapIndex;
    /** groups.get(o): the groups summed and multiplied for output channel o. */
    private final List<List<Group>> groups = new ArrayList<>();
    private final PlaintextBank bank;
    private final LayerPlaintexts plaintexts;
    private final int[] distinctPerOutput;

    /** Inputs {@code inputs} rotated by used tap {@code tap}, multiplied by plaintext {@code plaintext}. */
    private record Group(int tap, int[] inputs, int plaintext) {
    }

    /**
     * A single-model clustered convolution.
     *
     * @param weights  [Co][Ci][kh][kw] (typically with few distinct values per output channel and tap)
     * @param bias     [Co], may be null
     * @param stride   the convolution's stride (both directions)
     * @param padTop   zero rows above (bottom padding follows from the output size)
     * @param padLeft  zero columns on the left
     * @param in       input map, per-channel grid (one channel per ciphertext)
     * @param out      output map on the same grid, stride {@code in.stride()·stride}
     * @param level    level of the input ciphertexts
     * @param ptScale  scale of the weight plaintexts
     * @param ctScale  scale of the input ciphertexts (for the bias plaintexts)
     */
    public ClusteredPerChannelConvolution(CkksEncoder encoder, double[][][][] weights, double[] bias, int stride,
                                          int padTop, int padLeft, FeatureMap in, FeatureMap out, int level,
                                          double ptScale, double ctScale, PlaintextBanks banks) {
        SlotGrid grid = in.grid();
        int co = weights.length;
        int ci = weights[0].length;
        int kh = weights[0][0].length;
        int kw = weights[0][0][0].length;
        if (grid.channelsPerCiphertext() != 1 || !out.grid().equals(grid)) {
            throw new IllegalArgumentException("the clustered convolution needs the per-channel layout (one channel "
                    + "per ciphertext) on both sides, got " + in + " -> " + out);
        }
        if (ci != in.channels() || co != out.channels() || out.stride() != in.stride() * stride) {
            throw new IllegalArgumentException("convolution shape " + co + "x" + ci + " stride " + stride
                    + " does not connect " + in + " to " + out);
        }
        this.in = in;
        this.out = out;
        int slots = grid.slots();
        int r = grid.rowStride();
        int taps = kh * kw;
        // Taps that read at least one in-range input pixel for some output pixel, and their masks.
        List<Integer> usedTaps = new ArrayList<>();
        List<int[]> maskSlots = new ArrayList<>();
        for (int t = 0; t < taps; t++) {
            int[] mask = maskSlots(t / kw - padTop, t % kw - padLeft, stride);
            boolean any = false;
            for (int o = 0; o < co && mask.length > 0 && !any; o++) {
                for (int c = 0; c < ci && !any; c++) {
                    any = weights[o][c][t / kw][t % kw] != 0;
                }
            }
            if (any) {
                usedTaps.add(t);
                maskSlots.add(mask);
            }
        }
        tapIndex = usedTaps.stream().mapToInt(Integer::intValue).toArray();
        tapSteps = new int[tapIndex.length];
        for (int u = 0; u < tapIndex.length; u++) {
            int dy = tapIndex[u] / kw - padTop;
            int dx = tapIndex[u] % kw - padLeft;
            tapSteps[u] = Math.floorMod(in.stride() * (dy * r + dx), slots);
        }
        this.bank = banks.create(encoder, level, ptScale);
        Map<TapValue, Integer> cache = new HashMap<>();
        distinctPerOutput = new int[co];
        for (int o = 0; o < co; o++) {
            List<Group> list = new ArrayList<>();
            for (int u = 0; u < tapIndex.length; u++) {
                int ky = tapIndex[u] / kw;
                int kx = tapIndex[u] % kw;
                Map<Double, List<Integer>> byValue = new LinkedHashMap<>();
                for (int c = 0; c < ci; c++) {
                    double v = weights[o][c][ky][kx];
                    if (v != 0) {
                        byValue.computeIfAbsent(v, x -> new ArrayList<>()).add(c);
                    }
                }
                for (Map.Entry<Double, List<Integer>> e : byValue.entrySet()) {
                    int uu = u;
                    double value = e.getKey();
                    int index = cache.computeIfAbsent(new TapValue(u, value),
                            key -> bank.add(() -> plaintext(value, maskSlots.get(uu), slots)));
                    list.add(new Group(u, e.getValue().stream().mapToInt(Integer::intValue).toArray(), index));
                }
            }
            distinctPerOutput[o] = list.size();
            groups.add(list);
        }
        PlaintextBank biasBank;
        if (bias != null) {
            biasBank = banks.create(encoder, level, ctScale * ptScale);
            for (int o = 0; o < co; o++) {
                double[] v = new double[slots];
                for (int h = 0; h < out.height(); h++) {
                    for (int x = 0; x < out.width(); x++) {
                        v[out.slotOf(o, h, x)] = bias[o];
                    }
                }
                biasBank.add(v);
            }
        } else {
            biasBank = null;
        }
        plaintexts = new LayerPlaintexts(bank, biasBank);
    }

    /** Output slots whose input pixel at offset (dy, dx) lies inside the image. */
    private int[] maskSlots(int dy, int dx, int stride) {
        List<Integer> s = new ArrayList<>();
        for (int h = 0; h < out.height(); h++) {
            int hi = h * stride + dy;
            if (hi < 0 || hi >= in.height()) {
                continue;
            }
            for (int x = 0; x < out.width(); x++) {
                int wi = x * stride + dx;
                if (wi >= 0 && wi < in.width()) {
                    s.add(out.slotOf(0, h, x));
                }
            }
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    private static double[] plaintext(double value, int[] mask, int slots) {
        double[] v = new double[slots];
        for (int s : mask) {
            v[s] = value;
        }
        return v;
    }

    public FeatureMap output() {
        return out;
    }

    /** Every rotation step the layer uses (for generating Galois keys). */
    public int[] rotationSteps() {
        TreeSet<Integer> s = new TreeSet<>();
        for (int st : tapSteps) {
            if (st != 0) {
                s.add(st);
            }
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Plaintext multiplications of output channel o: its distinct non-zero (tap, value) pairs. */
    public int multiplicationsOf(int o) {
        return distinctPerOutput[o];
    }

    /** Operations one evaluation performs, exactly as {@link HeOps} counts them. */
    public OpCounts counts() {
        long nonZeroSteps = Arrays.stream(tapSteps).filter(s -> s != 0).count();
        long decompositions = nonZeroSteps > 0 ? in.ciphertexts() : 0;
        long hoisted = nonZeroSteps * in.ciphertexts();
        long plain = 0;
        long add = 0;
        long constant = 0;
        for (List<Group> list : groups) {
            plain += list.size();
            for (Group g : list) {
                add += g.inputs().length - 1;
            }
            add += Math.max(0, list.size() - 1);
            constant += list.isEmpty() ? 1 : 0;
            add += plaintexts.hasBias() ? 1 : 0;
        }
        return new OpCounts(0, 0, plain, constant, 0, add, 0, hoisted, decompositions, 0);
    }

    /** Rotations one evaluation performs (all hoisted: the used non-centre taps of every input). */
    public long rotationCount() {
        return Arrays.stream(tapSteps).filter(s -> s != 0).count() * in.ciphertexts();
    }

    /** Plaintexts this layer keeps: one per distinct (tap, value) of the whole layer, plus the biases. */
    public int plaintextCount() {
        return plaintexts.size();
    }

    /** Bytes the plaintexts hold between evaluations, and what they would hold in NTT form and as coefficients. */
    public long[] plaintextBytes(int n) {
        return plaintexts.bytes(n);
    }

    /** Evaluates the convolution; the outputs are at the input level with scale ctScale·ptScale. */
    public Ciphertext[] apply(HeOps ops, Ciphertext[] inputs) {
        if (inputs.length != in.ciphertexts()) {
            throw new IllegalArgumentException("expected " + in.ciphertexts() + " input ciphertexts, got "
                    + inputs.length);
        }
        Ciphertext[][] rotated = new Ciphertext[inputs.length][];
        for (int c = 0; c < inputs.length; c++) {
            rotated[c] = ops.rotateHoisted(inputs[c], tapSteps);
        }
        Ciphertext[] result = new Ciphertext[out.ciphertexts()];
        for (int o = 0; o < result.length; o++) {
            Ciphertext acc = null;
            for (Group g : groups.get(o)) {
                int[] cs = g.inputs();
                Ciphertext sum = rotated[cs[0]][g.tap()];
                boolean temporary = cs.length > 1;
                if (temporary) {
                    sum = ops.add(sum, rotated[cs[1]][g.tap()]);
                    for (int j = 2; j < cs.length; j++) {
                        ops.addInPlace(sum, rotated[cs[j]][g.tap()]);
                    }
                }
                Ciphertext x = sum;
                if (acc == null) {
                    Ciphertext[] first = new Ciphertext[1];
                    bank.with(g.plaintext(), p -> first[0] = ops.multiplyPlain(x, p));
                    acc = first[0];
                } else {
                    Ciphertext a = acc;
                    bank.with(g.plaintext(), p -> ops.multiplyPlainAccumulate(a, x, p));
                }
                if (temporary) {
                    sum.close();
                }
            }
            if (acc == null) {
                // Every weight into this output channel is zero: a zero ciphertext at the right level and scale.
                acc = ops.multiplyConstant(inputs[0], 0.0, bank.scale());
            }
            result[o] = plaintexts.addBias(ops, acc, o);
        }
        for (Ciphertext[] cts : rotated) {
            for (Ciphertext c : cts) {
                c.close();
            }
        }
        return result;
    }

    @Override
    public void reusePlaintexts(boolean on) {
        plaintexts.reuse(on);
    }

    @Override
    public void close() {
        plaintexts.close();
    }

    /** A tap and a weight value (exact equality, as {@link Double#equals}). */
    private record TapValue(int tap, double value) {
    }
}
