package org.hecnn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hecnn.HecnnException;
import org.hecnn.backend.BackendProvider;
import org.hecnn.ckks.CkksContext;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.inference.Layout;
import org.hecnn.inference.packed.NetworkCompiler;
import org.hecnn.inference.packed.PrecisionTargets;
import org.hecnn.inference.batched.BatchedCompiler;
import org.hecnn.inference.batched.BatchedNetwork;
import org.hecnn.inference.batched.BatchedPlan;
import org.hecnn.inference.UnsupportedNetworkException;
import org.hecnn.inference.chain.BatchedProgram;
import org.hecnn.inference.vector.VectorNetwork;
import org.hecnn.inference.vector.VectorPlan;
import picocli.CommandLine.Option;

/**
 * Options shared by the commands that compile a model, and the one place that turns them into an encrypted network
 * of the chosen layout ({@link #network}) or the plaintext model such a network computes ({@link #reference}).
 */
final class ModelOptions {
    /** The model the README's commands use when --model is not given (relative to the installation). */
    static final String DEFAULT_MODEL = "models/resnet20_quad.onnx";

    @Option(names = "--model", description = "ONNX model exported by the training recipe (default: the shipped "
            + "ResNet-20 with quadratic activations)")
    Path model;

    @Option(names = "--ensemble", split = ",", description = "ONNX models of one architecture (comma-separated) "
            + "evaluated as an ensemble in one encrypted pass: members stacked, the client averages their softmax "
            + "outputs; with --clusters the members are clustered jointly. Replaces --model")
    List<Path> ensemble;

    @Option(names = "--backend", description = "cpu, cuda, opencl, reference or auto (default: ${DEFAULT-VALUE})",
            defaultValue = "auto")
    String backend;

    @Option(names = "--layout", description = "auto, packed, per-channel (the CNN layouts; auto: the cost model "
            + "chooses), or for chain networks such as the MNIST CryptoNets model batched (one image per slot, for "
            + "throughput; what auto means for MNIST IDX data and --features in eval) or vector (one image per "
            + "evaluation, for latency; what auto means for infer --mnist) (default: ${DEFAULT-VALUE})",
            defaultValue = "auto")
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

    @Option(names = "--input-range", split = ",", description = "lo,hi: the range of the encrypted model's inputs "
            + "the batched and vector plans are proven for (default: the MNIST normalisation range; see the model "
            + "card); the CNN layouts take any input")
    double[] inputRange;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(names = "--compiled", description = "plaintexts written before by `hecnn compile` for the same model and "
            + "options: the file is mapped instead of encoding them, and they stay outside the heap (CNN layouts; "
            + "plan and describe do not read it, and plan counts no heap for the plaintexts). Plaintexts of another "
            + "model, other options or another hecnn version are refused; the file must not change while in use")
    Path compiled;

    private BackendProvider provider;
    private List<Model> loaded;

    /** The kinds of encrypted network: CNN (packed or per-channel, as --layout or the cost model says), or a chain one. */
    enum Family {
        CNN, BATCHED, VECTOR
    }

    Path modelPath() {
        Path p = model != null ? model : Path.of(System.getProperty("hecnn.home", "."), DEFAULT_MODEL);
        return InputFile.require("--model", p, "export a model with the training recipe (training/README.md) or "
                + "use one in models/");
    }

    /** The models to evaluate: the --ensemble members, or the one --model (loaded once per command). */
    List<Model> members() {
        if (loaded != null) {
            return loaded;
        }
        if (ensemble == null) {
            loaded = List.of(OnnxImporter.load(modelPath()));
            return loaded;
        }
        if (model != null) {
            throw new HecnnException("give either --model or --ensemble, not both");
        }
        if (ensemble.isEmpty()) {
            throw new HecnnException("--ensemble needs at least one model file");
        }
        List<Model> out = new ArrayList<>();
        for (Path p : ensemble) {
            out.add(OnnxImporter.load(InputFile.require("--ensemble member", p, "")));
        }
        loaded = List.copyOf(out);
        return loaded;
    }

    /** The files of the models to evaluate: the --ensemble members, or the one --model. */
    List<Path> memberPaths() {
        return ensemble != null ? ensemble : List.of(modelPath());
    }

    /** The one model of a chain layout (they take no ensemble). */
    private Model chainModel() {
        if (ensemble != null) {
            throw new HecnnException("--ensemble runs with the CNN layouts (packed, per-channel), not with the chain "
                    + "layouts (batched, vector)");
        }
        return members().get(0);
    }

    /**
     * The default family of a command whose data does not decide it (plan, serve): the batched layout for a chain
     * network such as the MNIST models (the CNN layouts cannot run it; batched serves the most images per request),
     * the CNN layouts for anything else. Only consulted with --layout auto.
     */
    Family familyOfModel() {
        if (!layout.equalsIgnoreCase("auto") || ensemble != null) {
            return Family.CNN;
        }
        try {
            BatchedProgram.lower(members().get(0));
            return Family.BATCHED;
        } catch (UnsupportedNetworkException e) {
            return Family.CNN;
        }
    }

    /**
     * The family --layout names; "auto" means {@code auto} (the command's default for its data). Fails on an
     * unknown layout, and on --input-range with a CNN layout (they take any input).
     */
    Family family(Family auto) {
        Family f = switch (layout.toLowerCase(Locale.ROOT)) {
            case "auto" -> auto;
            case "packed", "per-channel", "per_channel" -> Family.CNN;
            case "batched" -> Family.BATCHED;
            case "vector" -> Family.VECTOR;
            default -> throw new InvalidOptionException("unknown layout '" + layout + "': use auto, packed, "
                    + "per-channel, batched or vector");
        };
        if (f == Family.CNN && inputRange != null) {
            throw new InvalidOptionException("--input-range applies to the batched and vector layouts (chain "
                    + "networks); the packed and per-channel layouts take any input");
        }
        return f;
    }

    /**
     * The encrypted network of the chosen layout ({@code auto} when --layout is auto), compiled on the chosen backend.
     * The chain layouts are planned before the backend is selected, so that a model they cannot run fails at once.
     *
     * @param capacity images one request must carry (the batched layout picks the smallest secure ring for them)
     * @param encode   whether the CNN layouts encode their plaintexts (not for a plan)
     */
    LayoutNetwork network(Family auto, int capacity, boolean encode) {
        if (compiled != null && family(auto) != Family.CNN) {
            throw new InvalidOptionException("--compiled holds plaintexts of the CNN layouts (packed, per-channel); "
                    + "the " + family(auto).name().toLowerCase(Locale.ROOT) + " layout encodes its own");
        }
        return switch (family(auto)) {
            case CNN -> {
                List<Model> m = members();
                checkBeforeCompiling();
                yield new PackedLayout(Phase.run("compiling " + m.get(0).name(), () -> compile(m, encode)));
            }
            case BATCHED -> {
                BatchedPlan.Precision precision = batchedPrecision();
                double[] range = inputRange();
                Model m = chainModel();
                BatchedPlan plan = BatchedCompiler.plan(m, range[0], range[1], precision);
                BackendProvider backend = backendProvider();
                yield new BatchedLayout(Phase.run("compiling " + m.name(), () -> new BatchedNetwork(plan,
                        CkksContext.create(plan.parameters(capacity), backend))), m, range);
            }
            case VECTOR -> {
                int bits = vectorScaleBits();
                double[] range = inputRange();
                Model m = chainModel();
                VectorPlan plan = new VectorPlan(BatchedProgram.lower(m), range[0], range[1], bits);
                BackendProvider backend = backendProvider();
                yield new VectorLayout(Phase.run("compiling " + m.name(), () -> new VectorNetwork(plan,
                        CkksContext.create(plan.parameters(), backend))), m, range);
            }
        };
    }

    /**
     * The plaintext model the network of the chosen layout computes, without compiling one (for --plain): a chain
     * layout's imported model; for the CNN layouts the members after the compiler's passes, clustering and stacking
     * (what {@code Compiled.model()} holds).
     */
    Model reference(Family auto) {
        if (family(auto) != Family.CNN) {
            return chainModel();
        }
        List<Model> m = members();
        if (m.size() == 1) {
            return clusters == 0 ? m.get(0) : NetworkCompiler.prepare(m.get(0), options());
        }
        return NetworkCompiler.prepareEnsemble(m, options()).model();
    }

    /**
     * The network for the members (an ensemble compiles to one stacked network), its plaintexts read from --compiled
     * when that is given and plaintexts are wanted (when they are not, planned as they would be kept then).
     */
    private NetworkCompiler.Compiled compile(List<Model> members, boolean encode) {
        NetworkCompiler.Options o = options();
        if (compiled != null && encode) {
            Path file = InputFile.require("--compiled", compiled, "write it with hecnn compile --out FILE and the "
                    + "same model options");
            try {
                return NetworkCompiler.compileFrom(members, backendProvider(), o, file);
            } catch (java.io.UncheckedIOException e) {
                throw new HecnnException("--compiled " + file + ": cannot read it: " + e.getMessage(), e);
            } catch (org.hecnn.io.MalformedDataException e) {
                throw new HecnnException("--compiled " + file + ": " + e.getMessage() + " (write it again with hecnn "
                        + "compile)", e);
            } catch (org.hecnn.inference.packed.CompiledPlaintextsMismatchException e) {
                throw new HecnnException("--compiled " + file + ": " + e.getMessage(), e);
            }
        }
        if (compiled != null) {
            // planned as it would run: the plaintexts in the mapped file, none on the heap
            InputFile.require("--compiled", compiled, "write it with hecnn compile --out FILE and the same model "
                    + "options");
            return NetworkCompiler.planMapped(members, backendProvider(), o);
        }
        return members.size() == 1
                ? NetworkCompiler.compile(members.get(0), backendProvider(), o, encode)
                : NetworkCompiler.compileEnsemble(members, backendProvider(), o, encode);
    }

    /**
     * The network for the members with its plaintexts kept as coefficients, for {@code hecnn compile} to store
     * (CNN layouts only).
     */
    NetworkCompiler.Compiled compileForStoring() {
        if (family(Family.CNN) != Family.CNN) {
            throw new InvalidOptionException("hecnn compile stores the plaintexts of the CNN layouts (packed, "
                    + "per-channel); the " + layout + " layout encodes its few plaintexts at once");
        }
        if (compiled != null) {
            throw new InvalidOptionException("--compiled reads stored plaintexts; hecnn compile writes them "
                    + "(--out FILE)");
        }
        List<Model> m = members();
        checkBeforeCompiling();
        NetworkCompiler.Options o = options();
        return Phase.run("compiling " + m.get(0).name(), () -> NetworkCompiler.compileForStoring(m,
                backendProvider(), o));
    }

    /** The input range of the chain layouts: --input-range, or the MNIST normalisation range. */
    double[] inputRange() {
        if (inputRange == null) {
            return new double[] {MnistIdx.lowest(), MnistIdx.highest()};
        }
        if (inputRange.length != 2 || !(inputRange[0] < inputRange[1]) || !Double.isFinite(inputRange[0])
                || !Double.isFinite(inputRange[1])) {
            throw new InvalidOptionException("--input-range takes lo,hi with lo < hi (finite numbers)");
        }
        return inputRange.clone();
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
                || towerReuse || babySteps != null || clusters != 0 || inputRange != null || compiled != null) {
            throw new InvalidOptionException("compilation options (--layout, --scale-bits, --weight-bits, "
                    + "--separate-rescales, --tower-reuse, --baby-steps, --clusters, --input-range, --compiled) do not "
                    + "apply with "
                    + option + ": the server compiled its model; give them to `hecnn serve`");
        }
    }

    /** Checks the options of the CNN layouts and selects (and names) the backend before compilation starts. */
    private void checkBeforeCompiling() {
        options();
        backendProvider();
    }

    /** "separate" or "tower reuse": how the compiled network spends a layer's modulus (for --json output). */
    static String rescalingName(PrecisionTargets targets) {
        return targets.separateRescales() ? "separate" : "tower reuse";
    }

    /** Precision of the batched layout. */
    private BatchedPlan.Precision batchedPrecision() {
        BatchedPlan.Precision d = BatchedPlan.Precision.standard();
        String range = "in the batched layout";
        return new BatchedPlan.Precision(
                scaleBits == null ? d.inputScaleBits() : OptionCheck.between("--scale-bits", scaleBits, 16, 50, range),
                weightBits == null ? d.weightBits() : OptionCheck.between("--weight-bits", weightBits, 4, 30, range),
                d.marginBits());
    }

    /** Scale of the single-image vector layout. */
    private int vectorScaleBits() {
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

    /** The compiler options of the CNN layouts (--layout auto lets the cost model choose between them). */
    NetworkCompiler.Options options() {
        Layout forced = switch (layout.toLowerCase(Locale.ROOT)) {
            case "packed" -> Layout.PACKED;
            case "per-channel", "per_channel" -> Layout.PER_CHANNEL;
            default -> null;
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
