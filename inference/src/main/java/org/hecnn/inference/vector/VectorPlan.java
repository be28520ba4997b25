package org.hecnn.inference.vector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.NoiseBounds;
import org.hecnn.ckks.SecurityStandard;
import org.hecnn.inference.UnsupportedNetworkException;
import org.hecnn.inference.batched.BatchedPlan;
import org.hecnn.inference.chain.BatchedProgram;
import org.hecnn.rlwe.Sampler;

/**
 * Periods, levels and parameters of a chain program in the single-image vector layout. Every stage uses one level
 * (a plaintext product or a squaring, each followed by a rescale by a prime of about the scale's size, so the
 * scale stays near 2^scaleBits); the output prime holds the guaranteed value bound (interval arithmetic over the
 * input range) at that scale. Vectors of n values live with period P = the next power of two ≥ n.
 */
public final class VectorPlan {
    static final int SPECIAL_PRIMES = 2;
    static final int SPECIAL_BITS = 60;
    static final int MARGIN_BITS = 4;
    /** Scale and prime size: 36 bits keep five MNIST levels within N = 2^14. */
    public static final int DEFAULT_SCALE_BITS = 36;

    private final BatchedProgram program;
    private final int scaleBits;
    private final double inputLo;
    private final double inputHi;
    private final int[] periods;
    private final int fieldSize;
    private final int[] dataPrimeBits;
    private final int minSlots;

    public VectorPlan(BatchedProgram program, double inputLo, double inputHi, int scaleBits) {
        if (scaleBits < 20 || scaleBits > 55) {
            throw new IllegalArgumentException("scale bits must be in [20, 55], not " + scaleBits);
        }
        this.program = program;
        this.scaleBits = scaleBits;
        this.inputLo = inputLo;
        this.inputHi = inputHi;
        List<BatchedProgram.Stage> stages = program.stages();
        BatchedProgram.Affine first = (BatchedProgram.Affine) stages.get(0);
        fieldSize = first.map().hasFields() ? first.map().field(0).length : first.map().inputs();
        periods = new int[stages.size()];
        int need = 1;
        int period = 0;
        for (int i = 0; i < stages.size(); i++) {
            if (stages.get(i) instanceof BatchedProgram.Affine a) {
                int out = powerOfTwoAtLeast(a.map().outputs());
                if (i > 0) {
                    need = Math.max(need, Math.max(period, out));
                }
                period = out;
            }
            periods[i] = period;
            need = Math.max(need, period);
        }
        minSlots = need;
        double[] bounds = BatchedPlan.valueBounds(program, inputLo, inputHi);
        double maxBound = Arrays.stream(bounds).max().orElse(1);
        int q0 = scaleBits + (int) Math.ceil(Math.log(Math.max(maxBound, Math.max(Math.abs(inputLo),
                Math.abs(inputHi)))) / Math.log(2)) + MARGIN_BITS;
        if (q0 > 60) {
            throw new UnsupportedNetworkException(program.name(), "values up to " + maxBound + " at scale 2^"
                    + scaleBits + " need a " + q0 + "-bit output prime; lower the scale bits");
        }
        dataPrimeBits = new int[stages.size() + 1];
        Arrays.fill(dataPrimeBits, scaleBits);
        dataPrimeBits[0] = Math.max(q0, scaleBits);
    }

    static int powerOfTwoAtLeast(int n) {
        int p = 1;
        while (p < n) {
            p *= 2;
        }
        return p;
    }

    public BatchedProgram program() {
        return program;
    }

    /** Period of the vector after each stage. */
    int period(int stage) {
        return periods[stage];
    }

    /** Inputs each first-layer output reads (its receptive field, or every input for a dense layer). */
    int fieldSize() {
        return fieldSize;
    }

    public int scaleBits() {
        return scaleBits;
    }

    double inputLo() {
        return inputLo;
    }

    double inputHi() {
        return inputHi;
    }

    /** One level per stage. */
    public int levels() {
        return program.stages().size();
    }

    public int[] dataPrimeBits() {
        return dataPrimeBits.clone();
    }

    /** The smallest 128-bit-secure ring with enough slots for every period. */
    public CkksParameters parameters() {
        int dataBits = Arrays.stream(dataPrimeBits).sum();
        int logQP = dataBits + SPECIAL_PRIMES * SPECIAL_BITS;
        int minLogN = Math.max(10, 32 - Integer.numberOfLeadingZeros(Math.max(1, 2 * minSlots - 1)));
        for (int logN = minLogN; logN <= 16; logN++) {
            if (logQP <= SecurityStandard.maxLogQP(logN)) {
                int[] special = new int[SPECIAL_PRIMES];
                Arrays.fill(special, SPECIAL_BITS);
                return CkksParameters.builder().logN(logN).dataPrimeBits(dataPrimeBits).specialPrimeBits(special)
                        .dnum((dataPrimeBits.length + SPECIAL_PRIMES - 1) / SPECIAL_PRIMES).scaleBits(scaleBits)
                        .build();
            }
        }
        throw new UnsupportedNetworkException(program.name(), "log QP " + logQP + " exceeds the 128-bit bound at "
                + "N = 2^16");
    }

    /**
     * A high-probability bound (6 standard deviations per output, as for the batched layout) on the absolute
     * logit error: fresh secret-key encryption and encoding noise at the input scale, propagated through each
     * affine stage by its largest row L2 norm and through each square by 2·|x|max; each stage adds one rescale
     * rounding √(N/12·(1 + 2N/3)) and, per rotation or relinearisation, one key switch (its {@link NoiseBounds}
     * bound taken as 6σ), both at the stage's output scale; plaintext weights are encoded at about 2^scaleBits, so
     * their rounding adds √(terms)·|x|max / 2^(scaleBits+1) per row. Rotations per stage are counted generously as
     * 64.
     */
    public double errorBound(CkksParameters parameters) {
        NoiseBounds noise = new NoiseBounds(parameters);
        double n = parameters.n();
        double scale = Math.scalb(1.0, scaleBits);
        double perStage = Math.hypot(Math.sqrt(n / 12 * (1 + 2 * n / 3)), 8 * noise.keySwitch() / 6) / scale;
        double std = Math.sqrt(Sampler.SIGMA * Sampler.SIGMA * n + n / 12) / scale;
        double[] bounds = BatchedPlan.valueBounds(program, inputLo, inputHi);
        double inBound = Math.max(Math.abs(inputLo), Math.abs(inputHi));
        for (int i = 0; i < program.stages().size(); i++) {
            if (program.stages().get(i) instanceof BatchedProgram.Affine a) {
                double worst = 0;
                for (int j = 0; j < a.map().outputs(); j++) {
                    double l2 = 0;
                    for (int t = a.map().rowStart(j); t < a.map().rowEnd(j); t++) {
                        l2 += a.map().weight(t) * a.map().weight(t);
                    }
                    double terms = a.map().rowEnd(j) - a.map().rowStart(j);
                    worst = Math.max(worst, Math.hypot(Math.sqrt(l2) * std, Math.sqrt(terms) * inBound / (2 * scale)));
                }
                std = worst;
            } else {
                std = 2 * inBound * std;
            }
            std = Math.hypot(std, perStage);
            inBound = bounds[i];
        }
        return 6 * std;
    }

    /** The stage index of every affine stage after the first. */
    List<Integer> laterAffineStages() {
        List<Integer> out = new ArrayList<>();
        for (int i = 1; i < program.stages().size(); i++) {
            if (program.stages().get(i) instanceof BatchedProgram.Affine) {
                out.add(i);
            }
        }
        return out;
    }
}
