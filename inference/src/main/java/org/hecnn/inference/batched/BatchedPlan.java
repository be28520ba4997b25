package org.hecnn.inference.batched;

import org.hecnn.inference.chain.AffineMap;
import org.hecnn.inference.chain.BatchedProgram;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.NoiseBounds;
import org.hecnn.ckks.SecurityStandard;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.UnsupportedNetworkException;

/**
 * Level and parameter plan of a {@link BatchedProgram}. Affine layers use no level (they only raise the scale by
 * their multiplier M); a squaring is left unrelinearised and unrescaled until the next affine layer has summed its
 * outputs, so relinearisation and rescaling happen once per output of that layer instead of once per squared
 * neuron, and one rescale (one prime, or a few if more than 60 bits must go) per activation brings the scale back
 * to 2^targetBits. Guaranteed value bounds come from interval arithmetic over the declared input range, so the
 * output prime and every intermediate modulus provably hold the values (no wrap-around for any input in range).
 */
public final class BatchedPlan {
    /** Largest data prime; the special prime is one bit wider. */
    static final int MAX_DATA_PRIME_BITS = 60;
    static final int SPECIAL_PRIME_BITS = 61;
    static final int MIN_PRIME_BITS = 22;

    /**
     * Precision settings.
     *
     * @param inputScaleBits log2 of the input encoding scale (also the scale after every rescale)
     * @param weightBits     bits kept of the largest generic weight of a layer (power-of-two layers are exact)
     * @param marginBits     extra bits the output prime keeps above the guaranteed logit bound
     */
    public record Precision(int inputScaleBits, int weightBits, int marginBits) {
        public Precision {
            if (inputScaleBits < 16 || inputScaleBits > 50 || weightBits < 4 || weightBits > 30 || marginBits < 1) {
                throw new IllegalArgumentException("precision settings out of range: " + this);
            }
        }

        /** 2^26 inputs, 16-bit generic weights, 4 bits of margin. */
        public static Precision standard() {
            return new Precision(26, 16, 4);
        }
    }

    /** After stage {@code stage}: relinearise (if degree 2) and divide by {@code primes} primes. */
    record Reduction(int stage, boolean relinearize, int primes) {
    }

    private final BatchedProgram program;
    private final Precision precision;
    private final List<IntegerAffineLayer> layers = new ArrayList<>();
    private final List<Reduction> reductions = new ArrayList<>();
    private final int[] dataPrimeBits;
    private final double[] stageBounds;
    private final double[] stageLogScale;
    private final double inputBound;
    private final List<Integer> rescaleBits = new ArrayList<>();

    BatchedPlan(BatchedProgram program, double inputLo, double inputHi, Precision precision) {
        this.program = program;
        this.precision = precision;
        this.inputBound = Math.max(Math.abs(inputLo), Math.abs(inputHi));
        List<BatchedProgram.Stage> stages = program.stages();
        stageBounds = valueBounds(program, inputLo, inputHi);
        stageLogScale = new double[stages.size()];
        int t = precision.inputScaleBits();
        double logS = t;
        boolean degree2 = false;
        List<double[]> checkpoints = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            BatchedProgram.Stage s = stages.get(i);
            if (s instanceof BatchedProgram.Affine a) {
                IntegerAffineLayer layer = new IntegerAffineLayer(a.map(), precision.weightBits());
                layers.add(layer);
                logS += log2(layer.multiplier());
            } else {
                layers.add(null);
                logS *= 2;
                degree2 = true;
            }
            stageLogScale[i] = logS;
            checkpoints.add(new double[] {rescaleBits.size(), logS + log2(stageBounds[i])});
            boolean last = i == stages.size() - 1;
            boolean nextIsSquare = !last && stages.get(i + 1) instanceof BatchedProgram.Square;
            if (degree2 && (s instanceof BatchedProgram.Affine || last || nextIsSquare)) {
                int before = rescaleBits.size();
                logS = reduce(logS - t, rescaleBits, logS);
                reductions.add(new Reduction(i, true, rescaleBits.size() - before));
                degree2 = false;
            } else if (last && logS + log2(stageBounds[i]) + precision.marginBits() + 1 > MAX_DATA_PRIME_BITS) {
                int before = rescaleBits.size();
                logS = reduce(logS - t, rescaleBits, logS);
                reductions.add(new Reduction(i, false, rescaleBits.size() - before));
            }
        }
        double outBits = logS + log2(stageBounds[stages.size() - 1]) + precision.marginBits() + 1;
        int q0 = (int) Math.ceil(outBits);
        int total = rescaleBits.size();
        for (double[] cp : checkpoints) {
            int remaining = 0;
            for (int k = (int) cp[0]; k < total; k++) {
                remaining += rescaleBits.get(k);
            }
            q0 = Math.max(q0, (int) Math.ceil(cp[1] + precision.marginBits() + 1 - remaining));
        }
        q0 = Math.max(q0, MIN_PRIME_BITS);
        if (q0 > MAX_DATA_PRIME_BITS) {
            throw new UnsupportedNetworkException(program.name(), String.format("the output needs a %d-bit prime "
                    + "(guaranteed logit bound %.3g at scale 2^%.1f); lower --scale-bits or --weight-bits",
                    q0, stageBounds[stages.size() - 1], logS));
        }
        dataPrimeBits = new int[total + 1];
        dataPrimeBits[0] = q0;
        for (int k = 0; k < total; k++) {
            dataPrimeBits[total - k] = rescaleBits.get(k);
        }
    }

    /** Standard deviations of the error a bound is stated in: P(|N(0,1)| > 6) ≈ 2·10^−9 per slot and output. */
    public static final double SIGMAS = 6;

    /**
     * A high-probability bound on the absolute error of every output (in logit units) for inputs in range. The
     * random part is tracked as a standard deviation, errors of different neurons being independent (each input
     * neuron is its own fresh encryption): secret-key encryption σ·√N and encoding √(N/12) at the input scale;
     * through an affine layer the largest row L2 norm; through a square 2·|x|; plus one key switch per
     * relinearisation (its bound from {@link NoiseBounds} taken as 6σ) and a rescale rounding √(N/12·(1 + 2N/3))
     * per rescale. Rounding a generic weight to an integer multiple of 1/M errs by a fixed δ of pseudo-random sign,
     * so a row's rounding is a random walk: √(Σ δ²)·|x|max joins the random part. Bias rounding and the
     * second-order terms of the square are carried as a worst case. The bound is deterministic part + {@link #SIGMAS}·σ. Primes are below 2^bits, so
     * the scales assumed here are lower bounds and the estimate is conservative.
     */
    public double errorBound(CkksParameters parameters) {
        NoiseBounds noise = new NoiseBounds(parameters);
        double n = parameters.n();
        double rescaleStd = Math.sqrt(n / 12 * (1 + 2 * n / 3));
        List<BatchedProgram.Stage> stages = program.stages();
        double logS = precision.inputScaleBits();
        double std = Math.sqrt(org.hecnn.rlwe.Sampler.SIGMA * org.hecnn.rlwe.Sampler.SIGMA * n + n / 12)
                / Math.scalb(1.0, precision.inputScaleBits());
        double det = 0;
        double inBound = inputBound;
        int consumed = 0;
        for (int i = 0; i < stages.size(); i++) {
            logS = stageLogScale[i];
            if (stages.get(i) instanceof BatchedProgram.Affine a) {
                double m = layers.get(i).multiplier();
                double worstStd = 0;
                double worstDet = 0;
                for (int j = 0; j < a.map().outputs(); j++) {
                    double l2 = 0;
                    double d = 0;
                    for (int t = a.map().rowStart(j); t < a.map().rowEnd(j); t++) {
                        double w = a.map().weight(t);
                        double rounding = (w - Math.round(w * m) / m) * inBound;
                        l2 += w * w * std * std + rounding * rounding;
                        d += Math.abs(w) * det;
                    }
                    worstStd = Math.max(worstStd, Math.sqrt(l2));
                    worstDet = Math.max(worstDet, d);
                }
                std = worstStd;
                det = worstDet + 0.5 / Math.pow(2, logS);
            } else {
                double total = det + SIGMAS * std;
                det = 2 * inBound * det + total * total;
                std = 2 * inBound * std;
            }
            inBound = stageBounds[i];
            for (Reduction r : reductions) {
                if (r.stage() == i) {
                    if (r.relinearize()) {
                        std = Math.hypot(std, noise.keySwitch() / SIGMAS / Math.pow(2, logS));
                    }
                    for (int k = 0; k < r.primes(); k++) {
                        logS -= rescaleBits.get(consumed++);
                        std = Math.hypot(std, rescaleStd / Math.pow(2, logS));
                    }
                }
            }
        }
        return det + SIGMAS * std;
    }

    /** One stage's name, kind and operation counts, for `hecnn plan`. */
    public record StagePlan(String nodes, String kind, int outputs, OpCounts counts, double logScale, double bound,
                            boolean powerOfTwo, int terms) {
    }

    /** Per stage (reductions included in the stage they follow), statically. */
    public List<StagePlan> stagePlans() {
        List<StagePlan> out = new ArrayList<>();
        var stages = program.stages();
        for (int i = 0; i < stages.size(); i++) {
            var s = stages.get(i);
            OpCounts c;
            String kind;
            boolean pow2 = false;
            int terms = 0;
            String nodes;
            if (s instanceof BatchedProgram.Affine a) {
                IntegerAffineLayer layer = layers.get(i);
                c = layer.counts();
                pow2 = layer.powerOfTwo();
                terms = a.map().nonZeros();
                kind = pow2 ? "affine-pow2" : "affine";
                nodes = a.nodes();
            } else {
                c = new OpCounts(s.outputs(), 0, 0, 0, 0, 0, 0, 0, 0, 0);
                kind = "square";
                nodes = ((BatchedProgram.Square) s).nodes();
            }
            for (Reduction r : reductions) {
                if (r.stage() == i) {
                    c = c.plus(new OpCounts(0, r.relinearize() ? s.outputs() : 0, 0, 0, 0, 0, 0, 0, 0,
                            (long) r.primes() * s.outputs()));
                }
            }
            out.add(new StagePlan(nodes, kind, s.outputs(), c, stageLogScale[i], stageBounds[i], pow2,
                    terms));
        }
        return out;
    }

    /** Static operation counts of one evaluation (one batch). */
    public OpCounts counts() {
        OpCounts total = OpCounts.ZERO;
        for (StagePlan s : stagePlans()) {
            total = total.plus(s.counts());
        }
        return total;
    }

    /** Splits r bits into primes of at most 60 bits; returns the new log scale. */
    private static double reduce(double r, List<Integer> rescaleBits, double logS) {
        if (r < MIN_PRIME_BITS) {
            return logS;
        }
        int m = (int) Math.ceil(r / MAX_DATA_PRIME_BITS);
        int bits = (int) Math.round(r / m);
        for (int k = 0; k < m; k++) {
            rescaleBits.add(bits);
        }
        return logS - (double) bits * m;
    }

    /**
     * Guaranteed bounds on |value| after each stage of a program for every input in [inputLo, inputHi], by
     * interval arithmetic (affine maps split positive and negative weights; a square of an interval containing 0
     * starts at 0).
     */
    public static double[] valueBounds(BatchedProgram program, double inputLo, double inputHi) {
        double[] lo = new double[program.inputs()];
        double[] hi = new double[program.inputs()];
        Arrays.fill(lo, inputLo);
        Arrays.fill(hi, inputHi);
        double[] bounds = new double[program.stages().size()];
        for (int i = 0; i < bounds.length; i++) {
            double[][] next = program.stages().get(i) instanceof BatchedProgram.Affine a
                    ? affineInterval(a.map(), lo, hi) : squareInterval(lo, hi);
            lo = next[0];
            hi = next[1];
            bounds[i] = maxAbs(lo, hi);
        }
        return bounds;
    }

    private static double[][] affineInterval(AffineMap map, double[] lo, double[] hi) {
        double[] l = new double[map.outputs()];
        double[] h = new double[map.outputs()];
        for (int j = 0; j < l.length; j++) {
            double a = map.bias(j);
            double b = map.bias(j);
            for (int t = map.rowStart(j); t < map.rowEnd(j); t++) {
                double w = map.weight(t);
                int c = map.column(t);
                a += w > 0 ? w * lo[c] : w * hi[c];
                b += w > 0 ? w * hi[c] : w * lo[c];
            }
            l[j] = a;
            h[j] = b;
        }
        return new double[][] {l, h};
    }

    private static double[][] squareInterval(double[] lo, double[] hi) {
        double[] l = new double[lo.length];
        double[] h = new double[lo.length];
        for (int j = 0; j < lo.length; j++) {
            l[j] = lo[j] <= 0 && hi[j] >= 0 ? 0 : Math.min(lo[j] * lo[j], hi[j] * hi[j]);
            h[j] = Math.max(lo[j] * lo[j], hi[j] * hi[j]);
        }
        return new double[][] {l, h};
    }

    private static double maxAbs(double[] lo, double[] hi) {
        double m = 0;
        for (int j = 0; j < lo.length; j++) {
            m = Math.max(m, Math.max(Math.abs(lo[j]), Math.abs(hi[j])));
        }
        return Math.max(m, 1e-300);
    }

    static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    public BatchedProgram program() {
        return program;
    }

    public Precision precision() {
        return precision;
    }

    /** The compiled layer of an affine stage (null for squares). */
    IntegerAffineLayer layer(int stage) {
        return layers.get(stage);
    }

    List<Reduction> reductions() {
        return reductions;
    }

    /** Bit sizes of the data primes, q0 first (the output prime), then in chain order (the last goes first). */
    public int[] dataPrimeBits() {
        return dataPrimeBits.clone();
    }

    /** Guaranteed bound on |value| after each stage for inputs in the declared range. */
    public double stageBound(int stage) {
        return stageBounds[stage];
    }

    /** log2 of the scale right after each stage (before any rescale that follows it). */
    public double stageLogScale(int stage) {
        return stageLogScale[stage];
    }

    /** Largest |input| the plan admits. */
    public double inputBound() {
        return inputBound;
    }

    /** Levels used: one per rescale prime. */
    public int levels() {
        return dataPrimeBits.length - 1;
    }

    /** log Q P in bits for these data primes and one 61-bit special prime. */
    public int logQP() {
        return Arrays.stream(dataPrimeBits).sum() + SPECIAL_PRIME_BITS;
    }

    /**
     * The smallest 128-bit-secure parameters whose slots hold {@code batch} images, with one special prime and
     * one prime per key-switching digit (only relinearisation keys are needed: the layout never rotates).
     */
    public CkksParameters parameters(int batch) {
        int minLogN = Math.max(10, 32 - Integer.numberOfLeadingZeros(Math.max(1, 2 * batch - 1)));
        for (int logN = minLogN; logN <= 16; logN++) {
            if (logQP() <= SecurityStandard.maxLogQP(logN)) {
                return CkksParameters.builder().logN(logN).dataPrimeBits(dataPrimeBits)
                        .specialPrimeBits(SPECIAL_PRIME_BITS).dnum(dataPrimeBits.length)
                        .scaleBits(precision.inputScaleBits()).build();
            }
        }
        throw new UnsupportedNetworkException(program.name(), "log QP " + logQP() + " exceeds the 128-bit bound at "
                + "N = 2^16; lower the precision settings");
    }
}
