package org.hecnn.cnn.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hecnn.cnn.model.Add;
import org.hecnn.cnn.model.AvgPool;
import org.hecnn.cnn.model.BatchNorm;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.InvalidModelException;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Op;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Relu;
import org.hecnn.cnn.model.Shape;
import org.hecnn.cnn.model.ShortcutA;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.Sym.Const;
import org.hecnn.cnn.onnx.Sym.MatMul;
import org.hecnn.cnn.onnx.Sym.Poly;
import org.hecnn.cnn.onnx.Sym.Ref;
import org.hecnn.cnn.onnx.Sym.Subsample;
import org.hecnn.cnn.onnx.proto.OnnxProto.GraphProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.NodeProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.TensorProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.TensorShapeProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.ValueInfoProto;

/** Translates one ONNX graph into a {@link Model}; single use. */
final class GraphTranslator {
    /** Highest polynomial degree accepted for an activation. */
    static final int MAX_DEGREE = 32;
    /** Largest activation (elements per image) accepted. */
    static final long MAX_ACTIVATION = 1L << 28;

    private final GraphProto graph;
    private final Model.Builder builder;
    private final Map<String, Sym> values = new HashMap<>();
    private final Map<String, Integer> consumers = new HashMap<>();
    private final IdentityHashMap<Sym, Ref> materialised = new IdentityHashMap<>();
    private final Set<String> usedNames = new HashSet<>();
    private String nodeName = "";
    private String opType = "";

    GraphTranslator(GraphProto graph, String modelName) {
        this.graph = graph;
        this.builder = Model.builder(modelName);
    }

    Model translate() {
        for (TensorProto t : graph.getInitializerList()) {
            if (t.getName().isEmpty()) {
                throw new MalformedModelException("an initializer has no name");
            }
            if (values.put(t.getName(), new Const(TensorDecoder.decode(t, "initializer"))) != null) {
                throw new MalformedModelException("initializer '" + t.getName() + "' defined twice");
            }
        }
        addInput();
        for (NodeProto n : graph.getNodeList()) {
            for (String in : new HashSet<>(n.getInputList())) {
                consumers.merge(in, 1, Integer::sum);
            }
        }
        if (graph.getOutputCount() != 1) {
            throw new UnsupportedModelException("", "", "the graph has " + graph.getOutputCount()
                    + " outputs; hecnn needs exactly one (the logits)");
        }
        String outName = graph.getOutput(0).getName();
        consumers.merge(outName, 2, Integer::sum);
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto n = graph.getNode(i);
            nodeName = n.getName().isEmpty() ? n.getOpType() + "_" + i : n.getName();
            opType = n.getOpType();
            try {
                translateNode(n);
            } catch (OnnxImportException e) {
                throw e;
            } catch (InvalidModelException e) {
                throw new MalformedModelException("node '" + nodeName + "' (op " + opType + "): " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new MalformedModelException("node '" + nodeName + "' (op " + opType + ") cannot be imported: "
                        + e, e);
            }
        }
        nodeName = "";
        opType = "";
        Sym out = values.get(outName);
        if (out == null) {
            throw new MalformedModelException("graph output '" + outName + "' is not computed by any node");
        }
        if (out instanceof Const) {
            throw new UnsupportedModelException("", "", "the graph output '" + outName + "' is a constant");
        }
        Ref r = materialise(out);
        return builder.output(r.node()).build();
    }

    private void addInput() {
        List<ValueInfoProto> real = new ArrayList<>();
        for (ValueInfoProto v : graph.getInputList()) {
            if (!values.containsKey(v.getName())) {
                real.add(v);
            }
        }
        if (real.size() != 1) {
            throw new UnsupportedModelException("", "", "the graph has " + real.size()
                    + " non-constant inputs; hecnn needs exactly one (the image)");
        }
        ValueInfoProto v = real.get(0);
        if (!v.hasType() || !v.getType().hasTensorType()) {
            throw new UnsupportedModelException("", "", "input '" + v.getName() + "' is not a tensor");
        }
        int elem = v.getType().getTensorType().getElemType();
        if (elem != TensorProto.DataType.FLOAT_VALUE && elem != TensorProto.DataType.DOUBLE_VALUE
                && elem != TensorProto.DataType.FLOAT16_VALUE) {
            throw new UnsupportedModelException("", "", "input '" + v.getName() + "' has element type " + elem
                    + "; a floating-point image is needed");
        }
        TensorShapeProto shape = v.getType().getTensorType().getShape();
        int rank = shape.getDimCount();
        if (rank != 4 && rank != 2) {
            throw new UnsupportedModelException("", "", "input '" + v.getName() + "' has rank " + rank
                    + "; hecnn takes [N, C, H, W] images or [N, F] vectors");
        }
        TensorShapeProto.Dimension batch = shape.getDim(0);
        if (batch.hasDimValue() && batch.getDimValue() != 1) {
            throw new UnsupportedModelException("", "", "input '" + v.getName() + "' has a fixed batch size of "
                    + batch.getDimValue() + "; export with batch 1 or a dynamic batch axis");
        }
        int[] d = new int[rank - 1];
        for (int k = 1; k < rank; k++) {
            TensorShapeProto.Dimension dim = shape.getDim(k);
            if (!dim.hasDimValue() || dim.getDimValue() < 1 || dim.getDimValue() > MAX_ACTIVATION) {
                throw new UnsupportedModelException("", "", "input '" + v.getName() + "' dimension " + k
                        + " is not a fixed positive size; export with fixed channel and spatial sizes");
            }
            d[k - 1] = (int) dim.getDimValue();
        }
        Shape s = rank == 4 ? Shape.map(d[0], d[1], d[2]) : Shape.vector(d[0]);
        if (s.size() > MAX_ACTIVATION) {
            throw new UnsupportedModelException("", "", "input '" + v.getName() + "' is too large: " + s);
        }
        String name = v.getName().isEmpty() ? "input" : v.getName();
        usedNames.add(name);
        builder.input(name, s);
        values.put(v.getName(), new Ref(name, s));
    }

    private void translateNode(NodeProto n) {
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            throw unsupported("operator domain '" + n.getDomain() + "' is not the standard ONNX domain");
        }
        if (n.getOutputCount() < 1 || n.getOutput(0).isEmpty()) {
            throw new MalformedModelException("node '" + nodeName + "' has no output");
        }
        for (int k = 1; k < n.getOutputCount(); k++) {
            String extra = n.getOutput(k);
            if (!extra.isEmpty() && consumers.getOrDefault(extra, 0) > 0) {
                throw unsupported("output " + k + " ('" + extra + "') is used; only the first output is supported");
            }
        }
        List<Sym> in = new ArrayList<>();
        boolean allConst = true;
        for (String name : n.getInputList()) {
            if (name.isEmpty()) {
                in.add(null);
                continue;
            }
            Sym s = values.get(name);
            if (s == null) {
                throw new MalformedModelException("node '" + nodeName + "' reads '" + name
                        + "', which no earlier node or initializer defines (is the graph topologically sorted?)");
            }
            in.add(s);
            allConst &= s instanceof Const;
        }
        Sym out;
        if (opType.equals("Constant")) {
            out = new Const(ConstantFolder.constant(n, nodeName));
        } else if (allConst && ConstantFolder.FOLDABLE.contains(opType)) {
            List<ConstTensor> c = new ArrayList<>();
            for (Sym s : in) {
                c.add(s == null ? null : ((Const) s).value());
            }
            requireInputs(in, 1);
            out = new Const(ConstantFolder.fold(n, nodeName, c));
        } else {
            out = translateActivation(n, in);
        }
        if (!(out instanceof Const) && !(out instanceof Ref) && consumers.getOrDefault(n.getOutput(0), 0) >= 2) {
            out = materialise(out); // a value used twice is a layer boundary (e.g. the input of the next activation)
        }
        values.put(n.getOutput(0), out);
    }

    private Sym translateActivation(NodeProto n, List<Sym> in) {
        requireInputs(in, 1);
        return switch (opType) {
            case "Identity" -> {
                attrs(n);
                yield in.get(0);
            }
            case "Dropout" -> dropout(n, in);
            case "Conv" -> conv(n, in);
            case "BatchNormalization" -> batchNorm(n, in);
            case "Gemm" -> gemm(n, in);
            case "MatMul" -> matMul(n, in);
            case "Flatten" -> flatten(n, in);
            case "Reshape" -> reshape(n, in);
            case "AveragePool" -> averagePool(n, in);
            case "GlobalAveragePool" -> {
                attrs(n);
                yield add(GlobalAvgPool.AVERAGE, requireMap(in.get(0)));
            }
            case "ReduceMean" -> reduceMean(n, in);
            case "Relu" -> {
                attrs(n);
                yield add(new Relu(), materialise(in.get(0)));
            }
            case "Add", "Sub", "Mul", "Div" -> {
                attrs(n);
                requireInputs(in, 2);
                yield binary(in.get(0), in.get(1));
            }
            case "Neg" -> {
                attrs(n);
                yield poly(operandBase(in.get(0)), PolyMath.scale(operandCoefficients(in.get(0)), new double[] {-1}));
            }
            case "Pow" -> pow(n, in);
            case "Slice" -> slice(n, in);
            case "Pad" -> pad(n, in);
            case "Shape" -> shape(n, in.get(0));
            default -> throw unsupported("operator not supported (hecnn imports Conv, BatchNormalization, Gemm, "
                    + "MatMul, Add, Sub, Mul, Div, Neg, Pow, Flatten, Reshape, AveragePool, GlobalAveragePool, "
                    + "ReduceMean, Relu, Slice, Pad, Identity, Dropout and constant shape arithmetic)");
        };
    }

    // ---------------------------------------------------------------- weighted layers

    private Sym conv(NodeProto n, List<Sym> in) {
        Attrs a = attrs(n, "auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
        Ref x = requireMap(in.get(0));
        ConstTensor w = requireConst(in, 1, "weights");
        if (w.rank() != 4) {
            throw unsupported("only 2-D convolutions are supported (weights of rank " + w.rank() + ")");
        }
        String autoPad = a.s("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET")) {
            throw unsupported("auto_pad=" + autoPad + " is not supported; export with explicit pads");
        }
        if (a.i("group", 1) != 1) {
            throw unsupported("group=" + a.i("group", 1) + " (grouped or depthwise convolution) is not supported");
        }
        long[] dil = a.ints("dilations");
        if (dil != null && Arrays.stream(dil).anyMatch(d -> d != 1)) {
            throw unsupported("dilations=" + Arrays.toString(dil) + " are not supported (only 1)");
        }
        long[] ks = a.ints("kernel_shape");
        if (ks != null && (ks.length != 2 || ks[0] != w.dim(2) || ks[1] != w.dim(3))) {
            throw new MalformedModelException("node '" + nodeName + "': kernel_shape " + Arrays.toString(ks)
                    + " disagrees with weights " + Arrays.toString(w.dims()));
        }
        long[] pads = a.ints("pads");
        if (pads == null) {
            pads = new long[4];
        }
        long[] strides = a.ints("strides");
        if (strides == null) {
            strides = new long[] {1, 1};
        }
        if (pads.length != 4 || strides.length != 2) {
            throw new MalformedModelException("node '" + nodeName + "': 2-D Conv needs 4 pads and 2 strides");
        }
        for (long p : pads) {
            if (p < 0 || p > 1 << 16) {
                throw unsupported("padding " + p + " is not supported");
            }
        }
        for (long s : strides) {
            if (s < 1 || s > 1 << 16) {
                throw unsupported("stride " + s + " is not supported");
            }
        }
        Tensor weight = Tensor.of(w.toDoubles(), w.dims());
        Tensor bias = Tensor.zeros(w.dim(0));
        if (in.size() > 2 && in.get(2) != null) {
            ConstTensor b = requireConst(in, 2, "bias");
            if (b.size() != w.dim(0)) {
                throw new MalformedModelException("node '" + nodeName + "': bias has " + b.size() + " values for "
                        + w.dim(0) + " output channels");
            }
            bias = Tensor.vector(b.toDoubles());
        }
        return add(new Conv2d(weight, bias, (int) strides[0], (int) strides[1], (int) pads[0], (int) pads[1],
                (int) pads[2], (int) pads[3]), x);
    }

    private Sym batchNorm(NodeProto n, List<Sym> in) {
        Attrs a = attrs(n, "epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs");
        boolean extraOutputs = n.getOutputList().stream().skip(1).anyMatch(o -> !o.isEmpty());
        if (a.i("training_mode", 0) != 0 || extraOutputs) {
            throw unsupported("batch normalisation in training mode (batch statistics"
                    + (extraOutputs ? ", extra outputs" : "") + "); export the model in eval mode "
                    + "(model.eval(), training=TrainingMode.EVAL or PRESERVE)");
        }
        if (a.i("spatial", 1) != 1) {
            throw unsupported("spatial=0 is not supported");
        }
        requireInputs(in, 5);
        Ref x = materialise(in.get(0));
        Tensor[] p = new Tensor[4];
        for (int k = 0; k < 4; k++) {
            ConstTensor c = requireConst(in, k + 1, new String[] {"scale", "bias", "mean", "var"}[k]);
            if (c.size() != x.shape().channels()) {
                throw new MalformedModelException("node '" + nodeName + "': BatchNormalization parameter " + (k + 1)
                        + " has " + c.size() + " values for " + x.shape().channels() + " channels");
            }
            p[k] = Tensor.vector(c.toDoubles());
        }
        return add(new BatchNorm(p[0], p[1], p[2], p[3], a.f("epsilon", 1e-5)), x);
    }

    private Sym gemm(NodeProto n, List<Sym> in) {
        Attrs a = attrs(n, "alpha", "beta", "transA", "transB");
        requireInputs(in, 2);
        if (a.i("transA", 0) != 0) {
            throw unsupported("transA=1 is not supported");
        }
        Ref x = requireVector(in.get(0));
        ConstTensor b = requireConst(in, 1, "weights (B)");
        if (b.rank() != 2) {
            throw new MalformedModelException("node '" + nodeName + "': Gemm B must be a matrix");
        }
        boolean transB = a.i("transB", 0) != 0;
        int out = transB ? b.dim(0) : b.dim(1);
        int inF = transB ? b.dim(1) : b.dim(0);
        if (inF != x.shape().channels()) {
            throw new MalformedModelException("node '" + nodeName + "': Gemm weights take " + inF
                    + " features, input has " + x.shape().channels());
        }
        double alpha = a.f("alpha", 1);
        double beta = a.f("beta", 1);
        double[] w = new double[out * inF];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < inF; i++) {
                w[o * inF + i] = alpha * (transB ? b.doubleAt(o * inF + i) : b.doubleAt(i * out + o));
            }
        }
        double[] bias = new double[out];
        if (in.size() > 2 && in.get(2) != null) {
            double[] c = biasVector(requireConst(in, 2, "bias (C)"), out);
            for (int o = 0; o < out; o++) {
                bias[o] = beta * c[o];
            }
        }
        return add(new Linear(Tensor.of(w, out, inF), Tensor.vector(bias)), x);
    }

    private Sym matMul(NodeProto n, List<Sym> in) {
        attrs(n);
        requireInputs(in, 2);
        if (!(in.get(1) instanceof Const)) {
            throw unsupported("MatMul of two activations is not supported (the right operand must be constant)");
        }
        Ref x = requireVector(in.get(0));
        ConstTensor b = ((Const) in.get(1)).value();
        if (b.rank() != 2 || b.dim(0) != x.shape().channels()) {
            throw unsupported("MatMul needs a constant [" + x.shape().channels() + ", out] matrix, got "
                    + Arrays.toString(b.dims()));
        }
        int inF = b.dim(0);
        int out = b.dim(1);
        double[][] w = new double[out][inF];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < inF; i++) {
                w[o][i] = b.doubleAt(i * out + o);
            }
        }
        return new MatMul(x, w, new double[out], nodeName);
    }

    // ---------------------------------------------------------------- shape ops and pooling

    private Sym flatten(NodeProto n, List<Sym> in) {
        Attrs a = attrs(n, "axis");
        Ref x = materialise(in.get(0));
        long axis = a.i("axis", 1);
        int rank = x.shape().flat() ? 2 : 4;
        long ax = axis < 0 ? axis + rank : axis;
        if (ax != 0 && ax != 1) {
            throw unsupported("Flatten with axis " + axis + " is not supported (only 1: keep the batch axis)");
        }
        return x.shape().flat() ? x : add(new Flatten(), x);
    }

    private Sym reshape(NodeProto n, List<Sym> in) {
        Attrs a = attrs(n, "allowzero");
        requireInputs(in, 2);
        Ref x = materialise(in.get(0));
        ConstTensor target = requireConst(in, 1, "shape");
        int[] cur = onnxDims(x);
        int[] dims = ConstantFolder.reshapeTarget(cur, target.toLongs(), a.i("allowzero", 0) != 0, a);
        if (Arrays.equals(dims, cur)) {
            return x;
        }
        if (dims.length == 2 && dims[0] == 1) {
            return x.shape().flat() ? x : add(new Flatten(), x);
        }
        throw unsupported("Reshape from " + Arrays.toString(cur) + " to " + Arrays.toString(dims)
                + " is not supported (only flattening to [N, features])");
    }

    private Sym averagePool(NodeProto n, List<Sym> in) {
        Attrs a = attrs(n, "auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides",
                "dilations");
        Ref x = requireMap(in.get(0));
        String autoPad = a.s("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET")) {
            throw unsupported("auto_pad=" + autoPad + " is not supported");
        }
        if (a.i("ceil_mode", 0) != 0) {
            throw unsupported("ceil_mode=1 is not supported");
        }
        long[] k = a.ints("kernel_shape");
        if (k == null || k.length != 2) {
            throw unsupported("only 2-D average pooling is supported");
        }
        long[] pads = a.ints("pads");
        if (pads != null && Arrays.stream(pads).anyMatch(p -> p != 0)) {
            throw unsupported("padded average pooling (pads=" + Arrays.toString(pads) + ") is not supported");
        }
        long[] dil = a.ints("dilations");
        if (dil != null && Arrays.stream(dil).anyMatch(d -> d != 1)) {
            throw unsupported("dilations=" + Arrays.toString(dil) + " are not supported");
        }
        long[] s = a.ints("strides");
        if (s == null) {
            s = new long[] {1, 1};
        }
        if (s.length != 2 || k[0] < 1 || k[1] < 1 || s[0] < 1 || s[1] < 1 || k[0] > 1 << 16 || k[1] > 1 << 16
                || s[0] > 1 << 16 || s[1] > 1 << 16) {
            throw new MalformedModelException("node '" + nodeName + "': invalid AveragePool kernel or strides");
        }
        return add(new AvgPool((int) k[0], (int) k[1], (int) s[0], (int) s[1], 1.0 / (k[0] * k[1])), x);
    }

    private Sym reduceMean(NodeProto n, List<Sym> in) {
        Attrs a = attrs(n, "axes", "keepdims", "noop_with_empty_axes");
        Ref x = requireMap(in.get(0));
        long[] axes = a.ints("axes");
        if (axes == null && in.size() > 1 && in.get(1) != null) {
            axes = requireConst(in, 1, "axes").toLongs();
        }
        if (axes == null || axes.length != 2) {
            throw unsupported("ReduceMean is supported over the spatial axes (2, 3) only");
        }
        Set<Long> set = new HashSet<>();
        for (long ax : axes) {
            set.add(ax < 0 ? ax + 4 : ax);
        }
        if (!set.equals(Set.of(2L, 3L))) {
            throw unsupported("ReduceMean over axes " + Arrays.toString(axes)
                    + " is not supported (only the spatial axes 2, 3)");
        }
        Ref pooled = add(GlobalAvgPool.AVERAGE, x);
        return a.i("keepdims", 1) != 0 ? pooled : add(new Flatten(), pooled, nodeName + "/flatten");
    }

    private Sym dropout(NodeProto n, List<Sym> in) {
        attrs(n, "ratio", "seed", "is_test");
        if (in.size() > 2 && in.get(2) != null) {
            ConstTensor t = requireConst(in, 2, "training_mode");
            if (t.size() != 1 || t.doubleAt(0) != 0) {
                throw unsupported("Dropout in training mode; export the model in eval mode");
            }
        }
        return in.get(0);
    }

    private Sym shape(NodeProto n, Sym x) {
        Attrs a = attrs(n, "start", "end");
        int[] d = onnxDims(x);
        long start = a.i("start", 0);
        long end = a.i("end", d.length);
        long[] sl = ConstantFolder.sliceAxis(start, end, 1, d.length);
        long[] v = new long[(int) sl[1]];
        for (int k = 0; k < v.length; k++) {
            v[k] = d[(int) sl[0] + k];
        }
        return new Const(ConstTensor.ofLongs(new int[] {v.length}, v));
    }

    // ---------------------------------------------------------------- option-A shortcut: Slice + Pad

    private Sym slice(NodeProto n, List<Sym> in) {
        Sym x = in.get(0);
        Ref base;
        int sh = 1;
        int sw = 1;
        if (x instanceof Subsample s) {
            base = s.base();
            sh = s.strideH();
            sw = s.strideW();
        } else {
            base = materialise(x);
        }
        int[] dims = onnxDims(x);
        List<ConstTensor> c = new ArrayList<>();
        for (int k = 0; k < in.size(); k++) {
            c.add(k == 0 || in.get(k) == null ? null : requireConst(in, k, "slice parameter"));
        }
        long[][] p = ConstantFolder.sliceParams(n, nodeName, c, dims.length);
        int[] step = {1, 1};
        for (int k = 0; k < p[0].length; k++) {
            int ax = (int) p[2][k];
            long[] s = ConstantFolder.sliceAxis(p[0][k], p[1][k], p[3][k], dims[ax]);
            boolean whole = s[2] > 0 && s[0] == 0 && s[1] == (dims[ax] + s[2] - 1) / s[2];
            boolean spatial = dims.length == 4 && ax >= 2;
            if (!whole || (!spatial && s[2] != 1)) {
                throw unsupported("Slice on axis " + ax + " " + Arrays.toString(new long[] {p[0][k], p[1][k],
                    p[3][k]}) + " is not supported; only strided subsampling x[:, :, ::s, ::s] is");
            }
            if (spatial) {
                step[ax - 2] *= (int) s[2];
            }
        }
        if (step[0] == 1 && step[1] == 1) {
            return x;
        }
        return new Subsample(base, sh * step[0], sw * step[1], nodeName);
    }

    private Sym pad(NodeProto n, List<Sym> in) {
        Attrs a = attrs(n, "mode", "pads", "value");
        Sym x = in.get(0);
        int[] dims = onnxDims(x);
        long[] pads = a.ints("pads");
        if (pads == null) {
            pads = requireConst(in, 1, "pads").toLongs();
        }
        if (in.size() > 3 && in.get(3) != null) {
            throw unsupported("Pad with an axes input is not supported");
        }
        if (pads.length != 2 * dims.length) {
            throw new MalformedModelException("node '" + nodeName + "': Pad needs " + 2 * dims.length
                    + " pads for rank " + dims.length + ", got " + pads.length);
        }
        if (Arrays.stream(pads).allMatch(p -> p == 0)) {
            return x;
        }
        String mode = a.s("mode", "constant");
        if (!mode.equals("constant")) {
            throw unsupported("Pad mode '" + mode + "' is not supported (only constant zero padding of channels)");
        }
        double value = a.f("value", 0);
        if (in.size() > 2 && in.get(2) != null) {
            ConstTensor v = requireConst(in, 2, "constant_value");
            value = v.size() == 0 ? 0 : v.doubleAt(0);
        }
        if (value != 0) {
            throw unsupported("Pad with the constant " + value + " is not supported (only zeros)");
        }
        if (dims.length != 4 || pads[0] != 0 || pads[2] != 0 || pads[3] != 0 || pads[4] != 0 || pads[6] != 0
                || pads[7] != 0 || pads[1] < 0 || pads[5] < 0 || pads[1] > 1 << 20 || pads[5] > 1 << 20) {
            throw unsupported("Pad " + Arrays.toString(pads) + " is not supported; only zero channels around a map "
                    + "(the option-A shortcut F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p)))");
        }
        int stride = 1;
        Ref base;
        if (x instanceof Subsample s) {
            if (s.strideH() != s.strideW()) {
                throw unsupported("subsampling with different strides " + s.strideH() + " and " + s.strideW());
            }
            stride = s.strideH();
            base = s.base();
        } else {
            base = materialise(x);
        }
        return add(new ShortcutA(stride, (int) pads[1], (int) pads[5]), base);
    }

    // ---------------------------------------------------------------- elementwise arithmetic: polynomials

    private Sym binary(Sym x, Sym y) {
        boolean cx = x instanceof Const;
        boolean cy = y instanceof Const;
        if (!cx && !cy) {
            return binaryActivations(x, y);
        }
        Sym act = cx ? y : x;
        ConstTensor c = ((Const) (cx ? x : y)).value();
        if (act instanceof MatMul m && opType.equals("Add")) {
            double[] b = biasVector(c, m.bias().length);
            double[] sum = m.bias().clone();
            for (int o = 0; o < sum.length; o++) {
                sum[o] += b[o];
            }
            return new MatMul(m.base(), m.weight(), sum, nodeName);
        }
        Ref base = operandBase(act);
        double[][] p = operandCoefficients(act);
        double[] v = perChannel(c, onnxDims(act));
        return switch (opType) {
            case "Add" -> poly(base, PolyMath.add(p, PolyMath.constant(v)));
            case "Sub" -> cx ? poly(base, PolyMath.add(PolyMath.scale(p, new double[] {-1}), PolyMath.constant(v)))
                    : poly(base, PolyMath.add(p, PolyMath.constant(negate(v))));
            case "Mul" -> poly(base, PolyMath.scale(p, v));
            case "Div" -> {
                if (cx) {
                    throw unsupported("division by an activation is not supported");
                }
                double[] inv = new double[v.length];
                for (int k = 0; k < v.length; k++) {
                    if (v[k] == 0) {
                        throw unsupported("division by zero");
                    }
                    inv[k] = 1.0 / v[k];
                }
                yield poly(base, PolyMath.scale(p, inv));
            }
            default -> throw new IllegalStateException(opType);
        };
    }

    private Sym binaryActivations(Sym x, Sym y) {
        Ref bx = operandBase(x);
        Ref by = operandBase(y);
        double[][] px = operandCoefficients(x);
        double[][] py = operandCoefficients(y);
        if (bx.node().equals(by.node())) {
            return switch (opType) {
                case "Add" -> poly(bx, PolyMath.add(px, py));
                case "Sub" -> poly(bx, PolyMath.add(px, PolyMath.scale(py, new double[] {-1})));
                case "Mul" -> poly(bx, PolyMath.mul(px, py));
                default -> throw unsupported("division of two activations is not supported");
            };
        }
        if (opType.equals("Mul") || opType.equals("Div")) {
            throw unsupported(opType + " of two different activations is not supported (only polynomials of one "
                    + "tensor, and Add for residual joins)");
        }
        Ref rx = materialise(x);
        Sym negY = opType.equals("Sub") ? poly(by, PolyMath.scale(py, new double[] {-1})) : y;
        Ref ry = materialise(negY);
        if (!rx.shape().equals(ry.shape())) {
            throw unsupported("adding activations of shapes " + rx.shape() + " and " + ry.shape()
                    + " (broadcasting between activations is not supported)");
        }
        return add(new Add(), List.of(rx, ry), nodeName);
    }

    private Sym pow(NodeProto n, List<Sym> in) {
        attrs(n);
        requireInputs(in, 2);
        if (!(in.get(1) instanceof Const)) {
            throw unsupported("Pow with a non-constant exponent");
        }
        ConstTensor e = ((Const) in.get(1)).value();
        double ev = e.size() == 1 ? e.doubleAt(0) : Double.NaN;
        if (!(ev >= 0 && ev <= MAX_DEGREE && ev == Math.rint(ev))) {
            throw unsupported("Pow exponent must be an integer scalar in [0, " + MAX_DEGREE + "], got " + e);
        }
        return poly(operandBase(in.get(0)), PolyMath.pow(operandCoefficients(in.get(0)), (int) ev));
    }

    /** The tensor a polynomial operand is a polynomial of. */
    private Ref operandBase(Sym s) {
        if (s instanceof Poly p) {
            return p.base();
        }
        if (s instanceof Const) {
            throw unsupported("unexpected constant operand");
        }
        return materialise(s);
    }

    private double[][] operandCoefficients(Sym s) {
        return s instanceof Poly p ? p.coefficients() : PolyMath.identity();
    }

    private Sym poly(Ref base, double[][] c) {
        if (PolyMath.degree(c) > MAX_DEGREE) {
            throw unsupported("polynomial degree " + PolyMath.degree(c) + " exceeds " + MAX_DEGREE);
        }
        if (PolyMath.isIdentity(c)) {
            return base;
        }
        if (c.length != 1 && c.length != base.shape().channels()) {
            throw unsupported("per-channel coefficients (" + c.length + ") do not match " + base.shape());
        }
        return new Poly(base, c, nodeName);
    }

    /**
     * The per-channel values of a constant operand broadcast against an activation of ONNX dims {@code act}:
     * length 1 (a scalar) or C (a constant shaped like [C, 1, 1] or [1, C, 1, 1], or [F] / [1, F] on a vector).
     */
    private double[] perChannel(ConstTensor c, int[] act) {
        if (c.rank() > act.length) {
            throw unsupported("constant of shape " + Arrays.toString(c.dims()) + " broadcasts beyond the activation "
                    + Arrays.toString(act));
        }
        boolean perChannel = false;
        for (int j = 0; j < c.rank(); j++) {
            int k = j + act.length - c.rank();
            if (c.dim(j) == 1) {
                continue;
            }
            if (k == 1 && c.dim(j) == act[1]) {
                perChannel = true;
                continue;
            }
            throw unsupported("constant of shape " + Arrays.toString(c.dims()) + " is neither a scalar nor "
                    + "per-channel for an activation of shape " + Arrays.toString(act));
        }
        if (c.size() == 0) {
            throw new MalformedModelException("node '" + nodeName + "': empty constant operand");
        }
        return perChannel ? c.toDoubles() : new double[] {c.doubleAt(0)};
    }

    private static double[] negate(double[] v) {
        double[] out = new double[v.length];
        for (int k = 0; k < v.length; k++) {
            out[k] = -v[k];
        }
        return out;
    }

    /** A bias constant for {@code out} features: a scalar or {@code out} values in [out] or [1, out] form. */
    private double[] biasVector(ConstTensor c, int out) {
        int nonUnit = 0;
        for (int d : c.dims()) {
            nonUnit += d == 1 ? 0 : 1;
        }
        if (c.size() == out && nonUnit <= 1 && (c.rank() == 0 || c.dim(c.rank() - 1) == out)) {
            return c.toDoubles();
        }
        if (c.size() == 1 && c.rank() <= 2) {
            double[] v = new double[out];
            Arrays.fill(v, c.doubleAt(0));
            return v;
        }
        throw unsupported("bias of shape " + Arrays.toString(c.dims()) + " does not fit " + out + " outputs");
    }

    // ---------------------------------------------------------------- helpers

    /** Turns a symbolic value into a model node (once per value). */
    private Ref materialise(Sym s) {
        if (s instanceof Ref r) {
            return r;
        }
        if (s instanceof Const) {
            throw unsupported("a constant is used where an activation is expected");
        }
        Ref done = materialised.get(s);
        if (done != null) {
            return done;
        }
        Ref r = switch (s) {
            case Poly p -> add(new Polynomial(Tensor.of(flatten(p.coefficients()), p.coefficients().length,
                    p.coefficients()[0].length)), List.of(p.base()), p.origin());
            case Subsample sub -> {
                if (sub.strideH() != sub.strideW()) {
                    throw unsupported("subsampling with different strides " + sub.strideH() + " and "
                            + sub.strideW());
                }
                yield add(new ShortcutA(sub.strideH(), 0, 0), List.of(sub.base()), sub.origin());
            }
            case MatMul m -> add(new Linear(Tensor.of(flatten(m.weight()), m.weight().length, m.weight()[0].length),
                    Tensor.vector(m.bias())), List.of(m.base()), m.origin());
            default -> throw new IllegalStateException();
        };
        materialised.put(s, r);
        return r;
    }

    private static double[] flatten(double[][] rows) {
        double[] out = new double[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, out, r * rows[0].length, rows[0].length);
        }
        return out;
    }

    private Ref requireMap(Sym s) {
        Ref r = materialise(s);
        if (r.shape().flat()) {
            throw unsupported(opType + " needs an [N, C, H, W] feature map, got a vector " + r.shape());
        }
        return r;
    }

    private Ref requireVector(Sym s) {
        Ref r = materialise(s);
        if (!r.shape().flat()) {
            throw unsupported(opType + " needs an [N, features] input, got a feature map " + r.shape()
                    + " (flatten it first)");
        }
        return r;
    }

    private ConstTensor requireConst(List<Sym> in, int k, String what) {
        if (k >= in.size() || in.get(k) == null) {
            throw new MalformedModelException("node '" + nodeName + "' (op " + opType + "): input " + k + " ("
                    + what + ") missing");
        }
        if (!(in.get(k) instanceof Const c)) {
            throw unsupported("input " + k + " (" + what + ") must be a constant (initializer), not computed from "
                    + "the image");
        }
        return c.value();
    }

    private void requireInputs(List<Sym> in, int n) {
        for (int k = 0; k < n; k++) {
            if (k >= in.size() || in.get(k) == null) {
                throw new MalformedModelException("node '" + nodeName + "' (op " + opType + ") needs at least " + n
                        + " inputs");
            }
        }
    }

    /** ONNX dimensions (batch 1) of a value. */
    private int[] onnxDims(Sym s) {
        return switch (s) {
            case Const c -> c.value().dims();
            case Ref r -> dimsOf(r.shape());
            case Poly p -> dimsOf(p.base().shape());
            case Subsample sub -> {
                Shape b = sub.base().shape();
                yield new int[] {1, b.channels(), (b.height() + sub.strideH() - 1) / sub.strideH(),
                    (b.width() + sub.strideW() - 1) / sub.strideW()};
            }
            case MatMul m -> new int[] {1, m.weight().length};
        };
    }

    private static int[] dimsOf(Shape s) {
        return s.flat() ? new int[] {1, s.channels()} : new int[] {1, s.channels(), s.height(), s.width()};
    }

    private Attrs attrs(NodeProto n, String... known) {
        return Attrs.of(n, nodeName, Set.of(known));
    }

    private Ref add(Op op, Ref input) {
        return add(op, List.of(input), nodeName);
    }

    private Ref add(Op op, Ref input, String name) {
        return add(op, List.of(input), name);
    }

    private Ref add(Op op, List<Ref> inputs, String hint) {
        String name = hint == null || hint.isEmpty() ? op.kind() : hint;
        if (!usedNames.add(name)) {
            int k = 2;
            while (!usedNames.add(name + "#" + k)) {
                k++;
            }
            name = name + "#" + k;
        }
        List<String> ins = new ArrayList<>();
        for (Ref r : inputs) {
            ins.add(r.node());
        }
        builder.add(name, op, ins);
        Shape s = builder.shapeOf(name);
        if (s.size() > MAX_ACTIVATION) {
            throw unsupported("activation of shape " + s + " is too large");
        }
        return new Ref(name, s);
    }

    private UnsupportedModelException unsupported(String detail) {
        return new UnsupportedModelException(nodeName, opType, detail);
    }
}
