package org.hecnn.cli;

import java.nio.file.Path;
import org.hecnn.HecnnException;
import org.hecnn.backend.BackendProvider;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.inference.Layout;
import org.hecnn.inference.NetworkCompiler;
import org.hecnn.inference.PrecisionTargets;
import org.hecnn.inference.batched.BatchedPlan;
import org.hecnn.inference.vector.VectorPlan;
import picocli.CommandLine.Option;

/** Options shared by the commands that compile a model. */
final class ModelOptions {
    /** The model the README's commands use when --model is not given (relative to the installation). */
    static final String DEFAULT_MODEL = "models/resnet20_quad.onnx";

    @Option(names = "--model", description = "ONNX model exported by the training recipe (default: the shipped "
            + "ResNet-20 with quadratic activations)")
    Path model;

    @Option(names = "--ensemble", split = ",", description = "ONNX models of one architecture (comma-separated) "
            + "evaluated as an ensemble in one encrypted pass: members stacked, the client averages their softmax "
            + "outputs; with --clusters the members are clustered jointly. Replaces --model")
    java.util.List<Path> ensemble;

    @Option(names = "--backend", description = "cpu, cuda, opencl, reference or auto (default: ${DEFAULT-VALUE})",
            defaultValue = "auto")
    String backend;

    @Option(names = "--layout", description = "auto (cost model), packed, per-channel; for chain networks such as "
            + "the MNIST CryptoNets model: batched (one image per slot; the default for MNIST IDX data) or vector (one "
            + "image per evaluation, for latency) (default: ${DEFAULT-VALUE})", defaultValue = "auto")
    String layout;

    @Option(names = "--scale-bits", description = "activation scale 2^bits (default: 33 with separate rescales, 24 "
            + "with tower reuse; batched: 26; vector: 36). Range: 10-53 with separate rescales; with tower reuse "
            + "scale + 2·weight bits at most 61; batched 16-50; vector 20-55. Given without --separate-rescales it "
            + "means tower reuse")
    Integer scaleBits;

    @Option(names = "--weight-bits", description = "weight scale 2^bits (default: 27 with separate rescales, 18 "
            + "with tower reuse; batched: bits kept of each layer's largest generic weight, 16). Range: 8-61 with "
            + "separate rescales; with tower reuse scale + 2·weight bits at most 61; batched 4-30; not used by the "
            + "vector layout. Given without --separate-rescales it means tower reuse")
    Integer weightBits;

    @Option(names = "--separate-rescales", description = "give each layer two primes (the weights' scale and the "
            + "square's rescaled separately) instead of one shared prime (tower reuse): the same modulus buys about "
            + "9 more bits of precision per layer for twice the RNS limbs. Default: chosen per network (separate "
            + "rescales when they fit the ring tower reuse needs, as for ResNet-20)")
    boolean separateRescales;

    @Option(names = "--tower-reuse", description = "one prime per layer shared by a convolution and its activation "
            + "(the method's tower reuse): half the RNS limbs, so faster and smaller, but about 9 bits less precision "
            + "per layer (on ResNet-20 a few predictions in a hundred then differ from the plaintext model's; "
            + "docs/inference.md)")
    boolean towerReuse;

    @Option(names = "--baby-steps", description = "most baby steps per convolution, at least 1: fewer means fewer "
            + "rotation keys (less memory) and more giant-step rotations (default: 2)")
    Integer babySteps;

    @Option(names = "--clusters", description = "k-means clustering of convolution weights to k values per group, "
            + "k at least 1 (0: none; default: ${DEFAULT-VALUE})", defaultValue = "0")
    int clusters;

    @Option(names = "--cluster-granularity", description = "PER_LAYER, PER_KERNEL_COLUMN or PER_OUTPUT_KERNEL_COLUMN "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "PER_KERNEL_COLUMN")
    org.hecnn.cnn.cluster.Granularity granularity;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    private BackendProvider provider;

    Path modelPath() {
        Path p = model != null ? model : Path.of(System.getProperty("hecnn.home", "."), DEFAULT_MODEL);
        return InputFile.require("--model", p, "export a model with the training recipe (training/README.md) or "
                + "use one in models/");
    }

    Model load() {
        if (ensemble != null) {
            throw new HecnnException("--ensemble runs with the CNN layouts (infer, eval on CIFAR-10, plan), not with "
                    + "the chain-network layouts");
        }
        return OnnxImporter.load(modelPath());
    }

    /** The models to evaluate: the --ensemble members, or the one --model. */
    java.util.List<Model> members() {
        if (ensemble == null) {
            return java.util.List.of(load());
        }
        if (model != null) {
            throw new HecnnException("give either --model or --ensemble, not both");
        }
        if (ensemble.isEmpty()) {
            throw new HecnnException("--ensemble needs at least one model file");
        }
        java.util.List<Model> out = new java.util.ArrayList<>();
        for (Path p : ensemble) {
            out.add(OnnxImporter.load(InputFile.require("--ensemble member", p, "")));
        }
        return out;
    }

    /** The files of the models to evaluate: the --ensemble members, or the one --model. */
    java.util.List<Path> memberPaths() {
        return ensemble != null ? ensemble : java.util.List.of(modelPath());
    }

    /**
     * The plaintext model an encrypted network of these members would compute (the passes, clustering and
     * stacking), without compiling one: for --plain; a compiled network carries it as {@code Compiled.model()}.
     */
    Model reference(java.util.List<Model> members) {
        if (members.size() == 1) {
            return clusters == 0 ? members.get(0) : NetworkCompiler.prepare(members.get(0), options());
        }
        return NetworkCompiler.prepareEnsemble(members, options()).model();
    }

    /** The network for the members (an ensemble compiles to one stacked network). */
    NetworkCompiler.Compiled compile(java.util.List<Model> members, boolean encode) {
        NetworkCompiler.Options o = options();
        return members.size() == 1
                ? NetworkCompiler.compile(members.get(0), backendProvider(), o, encode)
                : NetworkCompiler.compileEnsemble(members, backendProvider(), o, encode);
    }

    /**
     * Fails if a model or a compilation option was given: with {@code option} (--server) the model and how it is
     * compiled are the server's; only --backend (the client's own encryption) and --json apply.
     */
    void requireNoModelFor(String option) {
        if (model != null || ensemble != null) {
            throw new InvalidOptionException("--model and --ensemble do not apply with " + option + ": the model is "
                    + "the server's property; the client learns only its service description");
        }
        if (!layout.equalsIgnoreCase("auto") || scaleBits != null || weightBits != null || separateRescales
                || towerReuse || babySteps != null || clusters != 0) {
            throw new InvalidOptionException("compilation options (--layout, --scale-bits, --weight-bits, "
                    + "--separate-rescales, --tower-reuse, --baby-steps, --clusters) do not apply with " + option
                    + ": the server compiled its model; give them to `hecnn serve`");
        }
    }

    /** Checks the options of the CNN layouts and selects (and names) the backend before compilation starts. */
    void checkBeforeCompiling() {
        options();
        backendProvider();
    }

    /** "separate" or "tower reuse": how the compiled network spends a layer's modulus (for --json output). */
    static String rescalingName(PrecisionTargets targets) {
        return targets.separateRescales() ? "separate" : "tower reuse";
    }

    boolean batched() {
        return layout.equalsIgnoreCase("batched");
    }

    /** The single-image vector layout for chain networks (latency). */
    boolean vector() {
        return layout.equalsIgnoreCase("vector");
    }

    /** Precision of the batched layout. */
    BatchedPlan.Precision batchedPrecision() {
        BatchedPlan.Precision d = BatchedPlan.Precision.standard();
        String range = "in the batched layout";
        return new BatchedPlan.Precision(
                scaleBits == null ? d.inputScaleBits() : OptionCheck.between("--scale-bits", scaleBits, 16, 50, range),
                weightBits == null ? d.weightBits() : OptionCheck.between("--weight-bits", weightBits, 4, 30, range),
                d.marginBits());
    }

    /** Scale of the single-image vector layout. */
    int vectorScaleBits() {
        if (weightBits != null) {
            throw new InvalidOptionException("--weight-bits does not apply to the vector layout (its weights are "
                    + "encoded at the activation scale); set --scale-bits (20-55) instead");
        }
        return scaleBits == null ? VectorPlan.DEFAULT_SCALE_BITS
                : OptionCheck.between("--scale-bits", scaleBits, 20, 55, "in the vector layout");
    }

    /** The backend to run on, selected (and named on standard error) once per command. */
    BackendProvider backendProvider() {
        if (provider == null) {
            provider = BackendChoice.select(backend);
        }
        return provider;
    }

    NetworkCompiler.Options options() {
        Layout forced = switch (layout.toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> null;
            case "packed" -> Layout.PACKED;
            case "per-channel", "per_channel" -> Layout.PER_CHANNEL;
            case "batched", "vector" -> throw new HecnnException("the batched and vector layouts (chain networks) run through eval "
                    + "and plan; infer uses the CNN layouts");
            default -> throw new HecnnException("unknown layout '" + layout + "': use auto, packed, per-channel or "
                    + "batched");
        };
        if (separateRescales && towerReuse) {
            throw new HecnnException("give either --separate-rescales or --tower-reuse, not both");
        }
        NetworkCompiler.Options o = NetworkCompiler.Options.defaults()
                .withTargets(TargetOptions.targets(scaleBits, weightBits, separateRescales, towerReuse))
                .withLayout(forced);
        if (!separateRescales && !towerReuse && scaleBits == null && weightBits == null) {
            o = o.withChosenTargets();
        }
        o = o.withClustering(OptionCheck.atLeast("--clusters", clusters, 0), granularity);
        return babySteps == null ? o : o.withMaxBabySteps(OptionCheck.atLeast("--baby-steps", babySteps, 1));
    }
}
