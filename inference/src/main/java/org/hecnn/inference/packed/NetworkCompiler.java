package org.hecnn.inference.packed;

import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.InputEncoding;
import org.hecnn.inference.LayerObserver;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.Layout;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.OutputDecoding;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.inference.SlotGrid;
import org.hecnn.inference.UnsupportedNetworkException;
import java.util.List;
import org.hecnn.backend.BackendProvider;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.cnn.cluster.ClusteringPasses;
import org.hecnn.cnn.cluster.Granularity;
import org.hecnn.cnn.cluster.WeightClustering;
import org.hecnn.cnn.ensemble.EnsembleStack;
import org.hecnn.cnn.compile.Passes;
import org.hecnn.cnn.model.Model;

/**
 * The one-call path from an imported model to an encrypted-inference network: runs the plaintext passes
 * (BatchNorm and pooling-divisor fusion, weight redistribution, optionally k-means parameter clustering), plans the levels, picks the smallest secure
 * parameter set, chooses the layout by the cost model (unless one is forced) and how to keep plaintexts within
 * the memory budget (NTT form, coefficients, or encoded at each use), then encodes the plaintexts once.
 */
public final class NetworkCompiler {
    private NetworkCompiler() {
    }

    /**
     * Compilation options.
     *
     * @param targets           precision targets (scale and weight bits)
     * @param layout            a forced layout, or null to choose by the cost model
     * @param plaintextBudget   bytes the encoded plaintexts may hold; beyond it they are kept as coefficients
     * @param parameters        explicit CKKS parameters (tests), or null to plan them
     * @param maxBabySteps      the most baby steps a convolution may use (fewer: fewer rotation keys)
     * @param clusters          k for k-means parameter clustering of convolution weights, 0 for none
     * @param granularity       how weights are grouped for clustering
     * @param chooseRescaling   plan parameters with {@link #chooseTargets} instead of {@code targets} (unless
     *                          {@code parameters} are given)
     */
    public record Options(PrecisionTargets targets, Layout layout, long plaintextBudget, CkksParameters parameters,
                          int maxBabySteps, int clusters, Granularity granularity, boolean chooseRescaling) {
        /**
         * Precision targets chosen per network ({@link #chooseTargets}; {@code targets} holds tower reuse's, used
         * with explicit parameters), layout by the cost model, 6 GiB for plaintexts, planned parameters, and at
         * most two baby steps: on ResNet-20 that costs the same estimated work as four while needing 74 rotation
         * keys instead of 120 (measured with `hecnn plan --baby-steps`). {@link #withTargets} fixes the targets.
         */
        public static Options defaults() {
            return new Options(PrecisionTargets.standard(), null, 6L << 30, null, 2, 0, Granularity.PER_KERNEL_COLUMN,
                    true);
        }

        /** Precision targets chosen per network by {@link #chooseTargets} (what {@link #defaults()} does). */
        public Options withChosenTargets() {
            return new Options(targets, layout, plaintextBudget, parameters, maxBabySteps, clusters, granularity, true);
        }

        public Options withClustering(int k, Granularity g) {
            return new Options(targets, layout, plaintextBudget, parameters, maxBabySteps, k, g, chooseRescaling);
        }

        public Options withLayout(Layout l) {
            return new Options(targets, l, plaintextBudget, parameters, maxBabySteps, clusters, granularity, chooseRescaling);
        }

        public Options withParameters(CkksParameters p) {
            return new Options(targets, layout, plaintextBudget, p, maxBabySteps, clusters, granularity, chooseRescaling);
        }

        public Options withTargets(PrecisionTargets t) {
            return new Options(t, layout, plaintextBudget, parameters, maxBabySteps, clusters, granularity, false);
        }

        /** Bytes the plaintexts may hold in NTT form before they are kept as coefficients. */
        public Options withPlaintextBudget(long bytes) {
            return new Options(targets, layout, bytes, parameters, maxBabySteps, clusters, granularity, chooseRescaling);
        }

        public Options withMaxBabySteps(int b) {
            return new Options(targets, layout, plaintextBudget, parameters, b, clusters, granularity, chooseRescaling);
        }
    }

    /**
     * A compiled network with the decisions that produced it. Closing it frees the engine.
     *
     * @param model   the prepared model the network evaluates (for an ensemble, the stacked members)
     * @param members how many ensemble members its outputs hold, member-major ({@link EnsembleStack}); 1 for one model
     * @param plaintextBytes what its plaintexts hold between evaluations (for a plan-only compile: what they would
     *                       hold in the mode this JVM's heap would choose)
     */
    public record Compiled(HeNetwork network, Model model, String decisions, int members, PrecisionTargets targets,
                           long plaintextBytes) implements EncryptedNetwork {
        @Override
        public void close() {
            CkksContext ctx = network.context();
            network.close();
            ctx.close();
        }

        @Override
        public String name() {
            return network.model().name();
        }

        @Override
        public CkksContext context() {
            return network.context();
        }

        /** Channel planes in, logits in the first slots out; the output bound is the model's certified one. */
        @Override
        public ServiceDescription description() {
            var shape = network.model().inputShape();
            double bound = network.model().certifiedRange().map(org.hecnn.cnn.model.CertifiedRange::outputBound)
                    .orElse(Double.POSITIVE_INFINITY);
            return new ServiceDescription(network.context().parameters(),
                    new InputEncoding.ImagePlanes(network.layout(), shape.channels(), shape.height(), shape.width()),
                    new OutputDecoding.SlotVector(network.outputs()), network.inputLevel(), network.inputScale(),
                    Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, network.rotationSteps(),
                    network.rotationLevels(), members, bound);
        }

        @Override
        public OpCounts plannedCounts() {
            return network.totalCounts();
        }

        /**
         * The request, plus the largest layer's live ciphertexts: its inputs with all their hoisted baby rotations,
         * its partial and finished output sums, and a residual block's skip connection (as large as the widest
         * layer), each at the layer's input level.
         */
        @Override
        public long workingSetBytes() {
            ServiceDescription d = description();
            java.util.List<LayerPlan> layers = network.plan();
            int widest = layers.stream().mapToInt(LayerPlan::ciphertexts).max().orElse(1);
            int level = d.inputLevel();
            int inputs = d.requestCiphertexts();
            long peak = 0;
            for (LayerPlan layer : layers) {
                long live = inputs + layer.counts().hoistedRotations() + 2L * layer.ciphertexts() + widest
                        + TEMPORARY_CIPHERTEXTS;
                peak = Math.max(peak, live * d.ciphertextBytes(level));
                level = layer.level();
                inputs = layer.ciphertexts();
            }
            return d.requestCiphertexts() * d.ciphertextBytes(d.inputLevel()) + peak;
        }

        @Override
        public org.hecnn.ckks.Ciphertext[] evaluate(HeOps ops, org.hecnn.ckks.Ciphertext[] inputs,
                                                    LayerProgress progress, LayerObserver observer) {
            return new org.hecnn.ckks.Ciphertext[] {network.evaluate(ops, inputs, progress, observer)};
        }

        /** Lockstep ({@link HeNetwork#evaluateTogether}): each plaintext is prepared once for all requests. */
        @Override
        public java.util.List<org.hecnn.ckks.Ciphertext[]> evaluateTogether(HeOps ops,
                java.util.List<org.hecnn.ckks.Ciphertext[]> inputs, LayerProgress progress) {
            return network.evaluateTogether(ops, inputs, progress).stream()
                    .map(c -> new org.hecnn.ckks.Ciphertext[] {c}).toList();
        }
    }

    /** The plaintext passes, in order. */
    public static Model prepare(Model imported) {
        return Passes.standard(imported);
    }

    /** The plaintext passes followed by parameter clustering when the options ask for it. */
    public static Model prepare(Model imported, Options options) {
        return options.clusters() > 0
                ? Passes.run(imported, ClusteringPasses.afterStandard(options.clusters(), options.granularity()))
                : prepare(imported);
    }

    /** The parameters the planner picks for a prepared model. */
    public static CkksParameters plannedParameters(Model prepared, PrecisionTargets targets) {
        NetworkLevels levels = new NetworkLevels(prepared); // depth in activations; the planner sizes each
        return ParameterPlanner.choose(levels.topLevel(), blockOf(prepared), targets);
    }

    /** Slots of one channel plane's block for the model's input. */
    private static int blockOf(Model prepared) {
        var shape = prepared.inputShape();
        return SlotGrid.forImage(1 << 16, shape.height(), shape.width()).blockSize();
    }

    /** Precision targets, the parameters planned for them, and why they were chosen ({@link #chooseTargets}). */
    public record TargetChoice(PrecisionTargets targets, CkksParameters parameters, String reason) {
    }

    /**
     * Separate rescales ({@link PrecisionTargets#precise()}: about 9 bits more precision per layer) when they fit
     * the same ring degree as tower reuse ({@link PrecisionTargets#standard()}), else tower reuse: twice the limbs
     * cost time but a larger ring would cost more. ResNet-20 gets separate rescales at N = 2^16; a network too
     * deep for them at 128-bit security gets tower reuse; one too deep for both fails as tower reuse does.
     */
    public static TargetChoice chooseTargets(Model prepared) {
        return chooseTargets(new NetworkLevels(prepared).topLevel(), blockOf(prepared));
    }

    /** {@link #chooseTargets(Model)} for {@code levels} activation levels and channel blocks of {@code block} slots. */
    static TargetChoice chooseTargets(int levels, int block) {
        PrecisionTargets precise = PrecisionTargets.precise();
        PrecisionTargets standard = PrecisionTargets.standard();
        CkksParameters tower = ParameterPlanner.choose(levels, block, standard);
        CkksParameters separate;
        try {
            separate = ParameterPlanner.choose(levels, block, precise);
        } catch (UnsupportedNetworkException e) {
            return new TargetChoice(standard, tower, "tower reuse (separate rescales do not fit 128-bit security: "
                    + e.getMessage() + ")");
        }
        if (separate.logN() > tower.logN()) {
            return new TargetChoice(standard, tower, "tower reuse (separate rescales would need N = 2^" + separate.logN()
                    + " instead of 2^" + tower.logN() + ")");
        }
        return new TargetChoice(precise, separate, String.format("separate rescales (2^%d activations, 2^%d weights: log QP %d "
                + "fits N = 2^%d, like tower reuse's %d; tower reuse would be faster and less precise)",
                precise.scaleBits(), precise.weightBits(), separate.logQP(), separate.logN(), tower.logQP()));
    }

    /**
     * Targets whose output headroom holds the model's certified bound ({@link
     * org.hecnn.cnn.model.CertifiedRange#outputBound()}): unchanged when it fits, with tower reuse a wider output
     * margin when it does not (the margin does not change the prime chain, only how much of q_0 the final weights
     * get). A model without a certificate keeps its targets, and its results are then only checked for being finite.
     *
     * @throws UnsupportedNetworkException if the bound cannot fit in the output prime
     */
    static PrecisionTargets fitCertifiedRange(Model prepared, PrecisionTargets targets, StringBuilder why) {
        var range = prepared.certifiedRange();
        if (range.isEmpty()) {
            why.append("no certified range in the model file (results are only checked for being finite; run "
                    + "training.certify on it); ");
            return targets;
        }
        double bound = range.get().outputBound();
        PrecisionTargets fitted = targets;
        if (bound >= targets.outputCapacity() && !targets.separateRescales()) {
            int margin = Math.getExponent(bound) + 3;
            if (targets.scaleBits() + margin > targets.outputPrimeBits() - 8) {
                throw new UnsupportedNetworkException(prepared.output().name(), String.format("the model's certified |logit| bound %.4g needs a "
                        + "%d-bit output margin, which leaves too little of the %d-bit output prime for the final "
                        + "weights; retrain the model with smaller logits", bound, margin, targets.outputPrimeBits()));
            }
            fitted = targets.withOutputMarginBits(margin);
        }
        if (bound >= fitted.outputCapacity()) {
            throw new UnsupportedNetworkException(prepared.output().name(), String.format("the model's certified |logit| bound %.4g exceeds what "
                    + "the output prime holds at scale 2^%d (%.4g); use fewer scale bits", bound, fitted.scaleBits(),
                    fitted.outputCapacity()));
        }
        why.append(String.format("%s; the plan holds |logit| < %.4g%s; ", range.get(), fitted.outputCapacity(),
                fitted == targets ? "" : " (output margin widened to " + fitted.outputMarginBits() + " bits)"));
        return fitted;
    }

    /**
     * An ensemble prepared for one encrypted pass: each member through the plaintext passes, then (when the options
     * ask for clustering) k-means over all members jointly, then stacked into one model.
     */
    public static EnsembleStack prepareEnsemble(List<Model> imported, Options options) {
        List<Model> prepared = options.clusters() > 0
                ? ClusteringPasses.ensembleAfterStandard(imported, options.clusters(), options.granularity(),
                        WeightClustering.DEFAULT_SEED)
                : imported.stream().map(NetworkCompiler::prepare).toList();
        return EnsembleStack.of(prepared);
    }

    /**
     * Where a compilation's plaintexts come from: none (a plan), encoded, encoded to be stored, or read back
     * ({@code mapped}: from a file mapped into memory, whose 32-bit coefficients stay there).
     */
    private record Supply(boolean encode, boolean forStoring, CompiledPlaintexts.Source compiled, boolean mapped) {
        static final Supply PLAN = new Supply(false, false, null, false);
        static final Supply ENCODE = new Supply(true, false, null, false);
        static final Supply STORE = new Supply(true, true, null, false);
        static final Supply PLAN_MAPPED = new Supply(false, false, null, true);

        static Supply of(boolean encode) {
            return encode ? ENCODE : PLAN;
        }
    }

    public static Compiled compile(Model imported, BackendProvider backend, Options options) {
        return compile(imported, backend, options, true);
    }

    /** With {@code encode} false the network is planned only (no plaintexts; it cannot evaluate). */
    public static Compiled compile(Model imported, BackendProvider backend, Options options, boolean encode) {
        return compilePrepared(prepare(imported, options), 1, backend, options, Supply.of(encode));
    }

    /** Compiles an ensemble ({@link #prepareEnsemble}) into one network whose outputs hold every member's. */
    public static Compiled compileEnsemble(List<Model> imported, BackendProvider backend, Options options,
                                           boolean encode) {
        EnsembleStack stack = prepareEnsemble(imported, options);
        return compilePrepared(stack.model(), stack.members(), backend, options, Supply.of(encode));
    }

    /**
     * Plans the network (one model, or an ensemble) as {@link #compileFrom(List, BackendProvider, Options,
     * java.nio.file.Path)} would build it, without reading any file: no plaintexts, and its plaintext bytes those a
     * mapped file leaves on the heap (none when they are kept as coefficients), for memory plans.
     */
    public static Compiled planMapped(List<Model> imported, BackendProvider backend, Options options) {
        Prepared p = prepared(imported, options);
        return compilePrepared(p.model(), p.members(), backend, options, Supply.PLAN_MAPPED);
    }

    /**
     * Compiles the network (one model, or an ensemble of several) with its plaintexts kept as integer coefficients,
     * whatever the budget, so that {@link CompiledPlaintexts#write} can store them.
     */
    public static Compiled compileForStoring(List<Model> imported, BackendProvider backend, Options options) {
        Prepared p = prepared(imported, options);
        return compilePrepared(p.model(), p.members(), backend, options, Supply.STORE);
    }

    /**
     * Compiles the network (one model, or an ensemble) reading its plaintexts from {@code compiled} (written by
     * {@link CompiledPlaintexts#write} for the same models, options and parameters) instead of encoding them; the
     * result is the network {@link #compile} makes, bit for bit. The stream is read to its end.
     *
     * @throws CompiledPlaintextsMismatchException if the stored plaintexts were made for another network
     * @throws org.hecnn.io.MalformedDataException if they are corrupt or truncated
     */
    public static Compiled compileFrom(List<Model> imported, BackendProvider backend, Options options,
                                       java.io.InputStream compiled) {
        Prepared p = prepared(imported, options);
        return compilePrepared(p.model(), p.members(), backend, options, new Supply(true, false,
                params -> org.hecnn.io.CoefficientBankCodec.open(compiled, params), false));
    }

    /**
     * As above, from a file mapped into memory: the plaintexts kept as coefficients stay in the mapping (the
     * operating system's page cache, shared and pageable, not the heap), every frame's checksum verified first, and
     * they are kept as coefficients even when they would not fit half the heap (instead of being encoded at each
     * use). The file must not change while the network lives.
     */
    public static Compiled compileFrom(List<Model> imported, BackendProvider backend, Options options,
                                       java.nio.file.Path compiled) {
        Prepared p = prepared(imported, options);
        return compilePrepared(p.model(), p.members(), backend, options, new Supply(true, false, params -> {
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(compiled,
                    java.nio.file.StandardOpenOption.READ)) {
                // The mapping outlives the channel and is released when the network's plaintexts are unreachable.
                return org.hecnn.io.CoefficientBankCodec.open(channel.map(
                        java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, channel.size(),
                        java.lang.foreign.Arena.ofAuto()), params);
            }
        }, true));
    }

    private record Prepared(Model model, int members) {
    }

    private static Prepared prepared(List<Model> imported, Options options) {
        if (imported.size() == 1) {
            return new Prepared(prepare(imported.get(0), options), 1);
        }
        EnsembleStack stack = prepareEnsemble(imported, options);
        return new Prepared(stack.model(), stack.members());
    }

    private static Compiled compilePrepared(Model prepared, int members, BackendProvider backend, Options options,
                                            Supply supply) {
        StringBuilder why = new StringBuilder();
        PrecisionTargets targets = options.targets();
        CkksParameters params = options.parameters();
        if (options.chooseRescaling() && params == null) {
            TargetChoice choice = chooseTargets(prepared);
            targets = choice.targets();
            params = choice.parameters();
            why.append(choice.reason()).append("; ");
        } else {
            why.append(String.format("%s (2^%d activations, 2^%d weights) as requested; ",
                    targets.separateRescales() ? "separate rescales" : "tower reuse", targets.scaleBits(),
                    targets.weightBits()));
        }
        if (params == null) {
            params = plannedParameters(prepared, targets);
        }
        targets = fitCertifiedRange(prepared, targets, why);
        CkksContext ctx = CkksContext.create(params, backend);
        try {
            if (members > 1) {
                why.append(members).append(" ensemble members stacked (channels interleaved, one pass); ");
            }
            Layout layout = options.layout();
            PackedPlan planned;
            if (layout == null) {
                PackedPlan packed = PackedPlan.of(prepared, ctx, targets, Layout.PACKED, options.maxBabySteps());
                PackedPlan perChannel = PackedPlan.of(prepared, ctx, targets, Layout.PER_CHANNEL,
                        options.maxBabySteps());
                double a = packed.estimatedCost(ctx.ring());
                double b = perChannel.estimatedCost(ctx.ring());
                layout = a <= b ? Layout.PACKED : Layout.PER_CHANNEL;
                planned = a <= b ? packed : perChannel;
                why.append(String.format("layout %s chosen by the cost model (packed %.3g, per-channel %.3g "
                        + "modular multiplications per image)", layout, a, b));
            } else {
                why.append("layout ").append(layout).append(" as requested");
                planned = PackedPlan.of(prepared, ctx, targets, layout, options.maxBabySteps());
            }
            long nttBytes = planned.plaintextBytesIfNtt();
            long coefficientBytes = planned.plaintextBytesIfCoefficients();
            // As coefficients the plaintexts may take half the heap; beyond that they are encoded at each use.
            long coefficientBudget = Math.max(options.plaintextBudget(), Runtime.getRuntime().maxMemory() / 2);
            PlaintextBank.Mode kept;
            if (nttBytes <= options.plaintextBudget()) {
                kept = PlaintextBank.Mode.NTT;
            } else if (coefficientBytes <= coefficientBudget) {
                kept = PlaintextBank.Mode.COEFFICIENTS;
            } else {
                kept = PlaintextBank.Mode.ON_DEMAND;
            }
            if (supply.forStoring() || (supply.mapped() && kept == PlaintextBank.Mode.ON_DEMAND)) {
                kept = PlaintextBank.Mode.COEFFICIENTS;
            }
            if (supply.compiled() != null && kept == PlaintextBank.Mode.ON_DEMAND) {
                throw new org.hecnn.HecnnException(String.format("the compiled plaintexts take %.2f GiB as "
                        + "coefficients, more than half this heap (%.2f GiB): give the JVM a larger heap (HECNN_HEAP) "
                        + "or compile without them (plaintexts are then encoded at each use)",
                        coefficientBytes / (double) (1L << 30), coefficientBudget / (double) (1L << 30)));
            }
            PlaintextBank.Mode mode = supply.encode() ? kept : PlaintextBank.Mode.PLAN_ONLY;
            // Mapped coefficients take no heap.
            long keptBytes = kept == PlaintextBank.Mode.NTT ? nttBytes
                    : kept == PlaintextBank.Mode.COEFFICIENTS && !supply.mapped() ? coefficientBytes : 0;
            why.append(String.format("; plaintexts %s (%.2f GiB in NTT form, budget %.2f GiB; %.2f GiB as "
                    + "coefficients, budget %.2f GiB = half the heap%s)", mode, nttBytes / (double) (1L << 30),
                    options.plaintextBudget() / (double) (1L << 30), coefficientBytes / (double) (1L << 30),
                    coefficientBudget / (double) (1L << 30), supply.forStoring() ? "; kept as coefficients to be "
                    + "stored" : supply.mapped() && kept == PlaintextBank.Mode.COEFFICIENTS ? "; read from compiled "
                    + "plaintexts, kept in the mapped file, off the heap" : supply.compiled() != null ? "; read from "
                    + "compiled plaintexts" : ""));
            PlaintextBanks banks = supply.compiled() == null ? PlaintextBanks.encoding(mode)
                    : PlaintextBanks.loading(mode, CompiledPlaintexts.open(supply.compiled(), params, CompiledPlaintexts.digest(
                            prepared, members, params, targets, layout, options.maxBabySteps())));
            HeNetwork network;
            try {
                network = new HeNetwork(prepared, ctx, targets, banks, layout, options.maxBabySteps());
            } catch (RuntimeException e) {
                banks.stopReading();
                throw e;
            }
            try {
                banks.finishLoading();
            } catch (RuntimeException e) {
                network.close();
                throw e;
            }
            return new Compiled(network, prepared, why.toString(), members, targets, keptBytes);
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
    }
}
