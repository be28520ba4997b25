package org.hecnn.inference.packed;

import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.Layout;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.SlotGrid;
import org.hecnn.inference.UnsupportedNetworkException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.cnn.model.Add;
import org.hecnn.cnn.model.AvgPool;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Input;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.ShortcutA;
import org.hecnn.cnn.model.Tensor;

/**
 * Compiles every node of a prepared model into a {@link PackedLayer} for one layout on one {@link CkksContext}: it
 * plans each node's level and scale ({@link NetworkLevels}), lays out feature maps in the layout's {@link SlotGrid},
 * collects the rotation steps the keys must cover, and (unless the plaintext mode is PLAN_ONLY) encodes the
 * plaintexts. Activated values have scale 2^scaleBits at level top − depth; a weighted layer feeding the activation
 * at level λ forms its output at level λ with scale S_λ = sqrt(s·q_λ), so the squaring's rescale by q_λ returns
 * exactly to s (tower reuse), or with separate rescales S_λ = q_λ·sqrt(s·q_{λ−1}): the rescale by q_λ leaves
 * sqrt(s·q_{λ−1}), whose square rescaled by q_{λ−1} is again s. One compiler makes one network; not thread-safe.
 */
final class PackedLayerCompiler {
    private final Model model;
    private final CkksContext context;
    private final NetworkLevels levels;
    private final double scale;
    private final SlotGrid grid;
    private final List<PackedLayer> layers = new ArrayList<>();
    /** Rotation step → highest level it is used at (keys are generated only up to it). */
    private final java.util.TreeMap<Integer, Integer> rotations = new java.util.TreeMap<>();
    private final FeatureMap inputMap;
    private final int outputs;
    private final Layout layout;
    private final int maxBabySteps;
    private final boolean separateRescales;

    /** Compiles the model; convolutions use at most {@code maxBabySteps} baby steps (fewer distinct rotation keys). */
    PackedLayerCompiler(Model model, CkksContext context, PrecisionTargets targets, PlaintextBanks banks,
                        Layout layout, int maxBabySteps) {
        this.maxBabySteps = maxBabySteps;
        this.model = model;
        this.layout = layout;
        this.context = context;
        this.separateRescales = targets.separateRescales();
        this.levels = new NetworkLevels(model, targets);
        if (context.parameters().maxLevel() < levels.topLevel()) {
            throw new UnsupportedNetworkException(model.name(), "needs " + (levels.topLevel() + 1)
                    + " data primes, the parameters have " + (context.parameters().maxLevel() + 1));
        }
        this.scale = context.parameters().defaultScale();
        var in = model.inputShape();
        this.grid = layout.grid(context.parameters().slots(), in.height(), in.width());
        this.inputMap = new FeatureMap(grid, in.channels(), in.height(), in.width(), 1);
        CkksEncoder encoder = new CkksEncoder(context);
        Map<String, FeatureMap> maps = new HashMap<>();
        int out = 0;
        try {
            for (Node n : model.nodes()) {
                PackedLayer layer = compile(n, maps, encoder, targets, banks);
                if (layer != null) {
                    layers.add(layer);
                }
                if (n.op() instanceof Linear l) {
                    out = l.weight().dim(0);
                }
            }
        } catch (RuntimeException e) {
            layers.forEach(PackedLayer::close);
            throw e;
        }
        this.outputs = out;
    }

    /** The compiled layers, in evaluation order (the caller owns and closes them). */
    List<PackedLayer> layers() {
        return layers;
    }

    /** What the compiled layers plan to compute. */
    PackedPlan plan() {
        return new PackedPlan(layout, layers.stream().map(PackedLayer::plan).toList(),
                rotations.keySet().stream().mapToInt(Integer::intValue).toArray(),
                rotations.values().stream().mapToInt(Integer::intValue).toArray(), inputMap, levels.topLevel(), scale,
                outputs);
    }

    private double targetScale(int level) {
        return separateRescales
                ? context.ring().q(level).value() * Math.sqrt(scale * context.ring().q(level - 1).value())
                : Math.sqrt(scale * context.ring().q(level).value());
    }

    /** Scale of the value an activation at input level {@code level} squares. */
    private double squaredScale(int level) {
        return separateRescales ? targetScale(level) / context.ring().q(level).value() : targetScale(level);
    }

    private PackedLayer compile(Node n, Map<String, FeatureMap> maps, CkksEncoder encoder, PrecisionTargets targets,
                          PlaintextBanks banks) {
        String name = n.name();
        if (n.op() instanceof Input) {
            maps.put(name, inputMap);
            return null;
        }
        String src = n.inputs().get(0);
        FeatureMap inMap = maps.get(src);
        if (n.op() instanceof Conv2d conv) {
            return convolution(name, src, conv.weight(), conv.bias(), conv.strideH(), conv.strideW(), conv.padTop(),
                    conv.padLeft(), inMap, n, maps, encoder, banks);
        }
        if (n.op() instanceof ShortcutA sc) {
            int cin = inMap.channels();
            int cout = cin + sc.padBefore() + sc.padAfter();
            double[] w = new double[cout * cin];
            for (int c = 0; c < cin; c++) {
                w[(c + sc.padBefore()) * cin + c] = 1.0;
            }
            return convolution(name, src, Tensor.of(w, cout, cin, 1, 1), Tensor.zeros(cout), sc.stride(), sc.stride(),
                    0, 0, inMap, n, maps, encoder, banks);
        }
        if (n.op() instanceof Polynomial p) {
            int outLevel = levels.level(name);
            int level = outLevel + targets.primesPerLayer();
            int squaredLevel = outLevel + 1;
            maps.put(name, inMap);
            HeActivation act = p.shared()
                    ? new HeActivation(p.coefficient(0, 0), p.coefficient(0, 1), p.coefficient(0, 2),
                            separateRescales)
                    : new HeActivation(perChannel(p, inMap.channels()), inMap, encoder, squaredLevel,
                            squaredScale(level), scale, banks, separateRescales);
            return new PackedLayer() {
                public String node() {
                    return name;
                }

                public String kind() {
                    return "activation";
                }

                public HeValue run(HeOps ops, Map<String, HeValue> values) {
                    HeValue x = values.get(src);
                    Ciphertext[] y = new Ciphertext[x.ciphertexts().length];
                    for (int i = 0; i < y.length; i++) {
                        y[i] = act.apply(ops, x.ciphertexts()[i], i);
                    }
                    return new HeValue(y, x.map());
                }

                public void close() {
                    act.close();
                }

                public LayerPlan plan() {
                    long[] bytes = act.plaintextBytes(context.parameters().n());
                    return new LayerPlan(name, kind(), outLevel, log2(scale), inMap.ciphertexts(),
                            act.counts().times(inMap.ciphertexts()), bytes[0], bytes[1], bytes[2]);
                }
            };
        }
        if (n.op() instanceof Add) {
            String other = n.inputs().get(1);
            int level = levels.activationLevel(name);
            maps.put(name, inMap);
            return new PackedLayer() {
                public String node() {
                    return name;
                }

                public String kind() {
                    return "add";
                }

                public HeValue run(HeOps ops, Map<String, HeValue> values) {
                    Ciphertext[] a = align(ops, values.get(src), level);
                    Ciphertext[] b = align(ops, values.get(other), level);
                    Ciphertext[] sum = new Ciphertext[a.length];
                    for (int i = 0; i < sum.length; i++) {
                        sum[i] = ops.add(a[i], b[i]);
                    }
                    return new HeValue(sum, values.get(src).map());
                }

                public LayerPlan plan() {
                    OpCounts.Tally t = new OpCounts.Tally();
                    t.add += inMap.ciphertexts();
                    for (String operand : n.inputs()) {
                        if (!pending(operand)) {
                            t.constant += inMap.ciphertexts();
                        }
                    }
                    return new LayerPlan(name, kind(), level, log2(targetScale(level)), inMap.ciphertexts(),
                            t.snapshot(), 0, 0, 0);
                }
            };
        }
        if (n.op() instanceof AvgPool || n.op() instanceof GlobalAvgPool) {
            int kh = n.op() instanceof AvgPool a ? a.kernelH() : inMap.height();
            int kw = n.op() instanceof AvgPool a ? a.kernelW() : inMap.width();
            if (n.op() instanceof AvgPool a && (a.strideH() != kh || a.strideW() != kw)) {
                throw new UnsupportedNetworkException(name, "pooling windows must not overlap (stride = kernel)");
            }
            HeSpatialSum pool = new HeSpatialSum(inMap, kh, kw);
            maps.put(name, pool.output());
            addRotations(pool.rotationSteps(), levels.level(src));
            return new PackedLayer() {
                public String node() {
                    return name;
                }

                public String kind() {
                    return "pool";
                }

                public HeValue run(HeOps ops, Map<String, HeValue> values) {
                    HeValue x = values.get(src);
                    Ciphertext[] y = new Ciphertext[x.ciphertexts().length];
                    for (int i = 0; i < y.length; i++) {
                        y[i] = pool.apply(ops, x.ciphertexts()[i]);
                    }
                    return new HeValue(y, pool.output());
                }

                public LayerPlan plan() {
                    return new LayerPlan(name, kind(), levels.level(name), log2(scale), inMap.ciphertexts(),
                            pool.counts().times(inMap.ciphertexts()), 0, 0, 0);
                }
            };
        }
        if (n.op() instanceof Flatten) {
            maps.put(name, inMap);
            return new PackedLayer() {
                public String node() {
                    return name;
                }

                public String kind() {
                    return "flatten";
                }

                public HeValue run(HeOps ops, Map<String, HeValue> values) {
                    HeValue x = values.get(src);
                    Ciphertext[] copy = new Ciphertext[x.ciphertexts().length];
                    for (int i = 0; i < copy.length; i++) {
                        copy[i] = ops.dropToLevel(x.ciphertexts()[i], x.level());
                    }
                    return new HeValue(copy, x.map());
                }

                public LayerPlan plan() {
                    return new LayerPlan(name, kind(), levels.level(name), log2(scale), inMap.ciphertexts(),
                            OpCounts.ZERO, 0, 0, 0);
                }
            };
        }
        if (n.op() instanceof Linear lin) {
            // Tower reuse: the logits stay at level 0 with scale s·W, W taking all of q0 but the margin; separate
            // rescales: the linear layer works one level up with W = that level's prime, rescaled away to s.
            int outLevel = levels.level(name);
            int level = outLevel + targets.linearPrimes();
            int k = lin.weight().dim(0);
            double[][] w = new double[k][];
            double[] flat = lin.weight().toArray();
            int width = lin.weight().dim(1);
            for (int j = 0; j < k; j++) {
                w[j] = java.util.Arrays.copyOfRange(flat, j * width, (j + 1) * width);
            }
            double ptScale = separateRescales ? context.ring().q(level).value()
                    : Math.scalb(1.0, targets.outputPrimeBits() - targets.outputMarginBits()) / scale;
            HeLinear linear = new HeLinear(encoder, w, lin.bias().toArray(), inMap, level, ptScale, scale, banks);
            addRotations(linear.rotationSteps(), level);
            maps.put(name, inMap);
            return new PackedLayer() {
                public String node() {
                    return name;
                }

                public String kind() {
                    return "linear";
                }

                public HeValue run(HeOps ops, Map<String, HeValue> values) {
                    HeValue x = values.get(src);
                    Ciphertext[] in = x.ciphertexts();
                    if (x.level() > level) {
                        in = dropAll(ops, in, level);
                    }
                    Ciphertext logits = linear.apply(ops, in);
                    if (separateRescales) {
                        Ciphertext rescaled = ops.rescale(logits);
                        logits.close();
                        logits = rescaled;
                    }
                    return new HeValue(new Ciphertext[] {logits}, x.map());
                }

                public void close() {
                    linear.close();
                }

                public void reusePlaintexts(boolean on) {
                    linear.reusePlaintexts(on);
                }

                public LayerPlan plan() {
                    long[] bytes = linear.plaintextBytes(context.ring().n());
                    OpCounts counts = linear.counts();
                    if (separateRescales) {
                        OpCounts.Tally t = new OpCounts.Tally();
                        t.rescale++;
                        counts = counts.plus(t.snapshot());
                    }
                    return new LayerPlan(name, kind(), level, log2(scale * ptScale), 1, counts, bytes[0], bytes[1],
                            bytes[2]);
                }
            };
        }
        throw new UnsupportedNetworkException(name, n.op().getClass().getSimpleName() + " is not supported");
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    /** Whether a node's value is a pending (unactivated, unrescaled) weighted-layer output. */
    private boolean pending(String node) {
        var op = model.node(node).op();
        return op instanceof Conv2d || op instanceof ShortcutA || op instanceof Add;
    }

    private static double[][] perChannel(Polynomial p, int channels) {
        double[][] c = new double[channels][];
        for (int i = 0; i < channels; i++) {
            c[i] = new double[] {p.coefficient(i, 0), p.coefficient(i, 1), p.coefficient(i, 2)};
        }
        return c;
    }

    private PackedLayer convolution(String name, String src, Tensor weight, Tensor bias, int strideH, int strideW,
                              int padTop, int padLeft, FeatureMap inMap, Node n, Map<String, FeatureMap> maps,
                              CkksEncoder encoder, PlaintextBanks banks) {
        if (strideH != strideW) {
            throw new UnsupportedNetworkException(name, "only equal vertical and horizontal strides are supported");
        }
        int level = levels.activationLevel(name);
        FeatureMap outMap = new FeatureMap(grid, n.shape().channels(), n.shape().height(), n.shape().width(),
                inMap.stride() * strideH);
        double ptScale = targetScale(level) / scale;
        int co = weight.dim(0);
        int ci = weight.dim(1);
        int kh = weight.dim(2);
        int kw = weight.dim(3);
        double[][][][] w = new double[co][ci][kh][kw];
        for (int o = 0; o < co; o++) {
            for (int c = 0; c < ci; c++) {
                for (int y = 0; y < kh; y++) {
                    for (int x = 0; x < kw; x++) {
                        w[o][c][y][x] = weight.at(o, c, y, x);
                    }
                }
            }
        }
        // Per-channel: add the inputs that share a weight value, multiply once per value (bit-identical to the
        // diagonal method there, never more work; clustered weights make it much less).
        ConvolutionLayer conv = layout == Layout.PER_CHANNEL
                ? new ClusteredPerChannelConvolution(encoder, w, bias.toArray(), strideH, padTop, padLeft, inMap,
                        outMap, level, ptScale, scale, banks)
                : new HeConvolution(encoder, w, bias.toArray(), strideH, padTop, padLeft, inMap, outMap, level,
                        ptScale, scale, banks, maxBabySteps);
        addRotations(conv.rotationSteps(), level);
        maps.put(name, outMap);
        return new PackedLayer() {
            public String node() {
                return name;
            }

            public String kind() {
                return "conv " + kh + "x" + kw + (strideH > 1 ? " /" + strideH : "");
            }

            public HeValue run(HeOps ops, Map<String, HeValue> values) {
                return new HeValue(conv.apply(ops, input(ops, values)), outMap);
            }

            public List<HeValue> runTogether(HeOps ops, List<Map<String, HeValue>> images) {
                List<Ciphertext[]> inputs = images.stream().map(values -> input(ops, values)).toList();
                return conv.applyTogether(ops, inputs).stream().map(out -> new HeValue(out, outMap)).toList();
            }

            private Ciphertext[] input(HeOps ops, Map<String, HeValue> values) {
                HeValue x = values.get(src);
                return x.level() > level ? dropAll(ops, x.ciphertexts(), level) : x.ciphertexts();
            }

            public void close() {
                conv.close();
            }

            public void reusePlaintexts(boolean on) {
                conv.reusePlaintexts(on);
            }

            public LayerPlan plan() {
                long[] bytes = conv.plaintextBytes(context.ring().n());
                return new LayerPlan(name, kind(), level, log2(scale * ptScale), outMap.ciphertexts(), conv.counts(),
                        bytes[0], bytes[1], bytes[2]);
            }
        };
    }

    private static Ciphertext[] dropAll(HeOps ops, Ciphertext[] cts, int level) {
        Ciphertext[] out = new Ciphertext[cts.length];
        for (int i = 0; i < cts.length; i++) {
            out[i] = ops.dropToLevel(cts[i], level);
        }
        return out;
    }

    /** Brings an Add operand to the activation level with scale S_level: pending values are there already. */
    private Ciphertext[] align(HeOps ops, HeValue v, int level) {
        double target = targetScale(level);
        Ciphertext[] out = new Ciphertext[v.ciphertexts().length];
        for (int i = 0; i < out.length; i++) {
            Ciphertext c = v.ciphertexts()[i];
            if (Math.abs(c.scale() / target - 1) > 1e-9) {
                c = ops.multiplyConstant(c, 1.0, target / c.scale());
            }
            out[i] = c.level() > level ? ops.dropToLevel(c, level) : c;
        }
        return out;
    }

    private void addRotations(int[] steps, int level) {
        for (int s : steps) {
            rotations.merge(s, level, Math::max);
        }
    }
}
