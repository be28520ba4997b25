package org.hecnn.cnn.onnx;

import java.util.List;
import java.util.Set;

import org.hecnn.cnn.onnx.proto.OnnxProto.NodeProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.TensorProto.DataType;

/**
 * Evaluates ONNX operators whose inputs are all constants: the shape arithmetic PyTorch emits around Reshape and
 * Pad (Shape, Gather, Unsqueeze, Concat, ConstantOfShape, Slice, Transpose, Cast, ...) and arithmetic on
 * constants.
 */
final class ConstantFolder {
    /** Operators this class folds when every input is constant. */
    static final Set<String> FOLDABLE = Set.of("Identity", "Cast", "Reshape", "Concat", "Slice", "Transpose",
            "Unsqueeze", "Squeeze", "Gather", "ConstantOfShape", "Add", "Sub", "Mul", "Div", "Pow", "Neg", "Sqrt",
            "Flatten");

    private ConstantFolder() {
    }

    /** The value of a Constant node. */
    static ConstTensor constant(NodeProto node, String name) {
        Attrs a = Attrs.of(node, name, Set.of("value", "value_float", "value_floats", "value_int", "value_ints"));
        if (a.has("value")) {
            return a.tensor("value");
        }
        if (a.has("value_float")) {
            return ConstTensor.ofDoubles(new int[0], new double[] {a.f("value_float", 0)});
        }
        if (a.has("value_floats")) {
            double[] v = a.floats("value_floats");
            return ConstTensor.ofDoubles(new int[] {v.length}, v);
        }
        if (a.has("value_int")) {
            return ConstTensor.scalarLong(a.i("value_int", 0));
        }
        if (a.has("value_ints")) {
            long[] v = a.ints("value_ints");
            return ConstTensor.ofLongs(new int[] {v.length}, v);
        }
        throw a.unsupported("Constant without a value attribute");
    }

    /** Folds {@code node}; {@code in} holds the inputs in order (null for an omitted optional input). */
    static ConstTensor fold(NodeProto node, String name, List<ConstTensor> in) {
        String op = node.getOpType();
        return switch (op) {
            case "Identity" -> {
                Attrs.of(node, name, Set.of());
                yield in.get(0);
            }
            case "Cast" -> cast(node, name, in.get(0));
            case "Reshape" -> {
                Attrs a = Attrs.of(node, name, Set.of("allowzero"));
                int[] dims = reshapeTarget(in.get(0).dims(), in.get(1).toLongs(), a.i("allowzero", 0) != 0, a);
                yield in.get(0).reshape(dims);
            }
            case "Flatten" -> {
                Attrs a = Attrs.of(node, name, Set.of("axis"));
                int[] d = in.get(0).dims();
                int axis = (int) normAxis(a.i("axis", 1), d.length + 1, a);
                long outer = 1;
                for (int k = 0; k < axis; k++) {
                    outer *= d[k];
                }
                yield in.get(0).reshape(new int[] {(int) outer, (int) (in.get(0).size() / Math.max(outer, 1))});
            }
            case "Concat" -> concat(node, name, in);
            case "Slice" -> slice(node, name, in);
            case "Transpose" -> transpose(node, name, in.get(0));
            case "Unsqueeze" -> unsqueeze(node, name, in);
            case "Squeeze" -> squeeze(node, name, in);
            case "Gather" -> gather(node, name, in.get(0), in.get(1));
            case "ConstantOfShape" -> constantOfShape(node, name, in.get(0));
            case "Add", "Sub", "Mul", "Div", "Pow" -> {
                Attrs.of(node, name, Set.of());
                yield Broadcast.binary(op, in.get(0), in.get(1), name);
            }
            case "Neg", "Sqrt" -> {
                Attrs.of(node, name, Set.of());
                yield Broadcast.unary(op, in.get(0));
            }
            default -> throw new UnsupportedModelException(name, op, "cannot be folded as a constant");
        };
    }

    static long normAxis(long axis, int rank, Attrs a) {
        long x = axis < 0 ? axis + rank : axis;
        if (x < 0 || x >= rank) {
            throw a.unsupported("axis " + axis + " out of range for rank " + rank);
        }
        return x;
    }

    private static ConstTensor cast(NodeProto node, String name, ConstTensor x) {
        Attrs a = Attrs.of(node, name, Set.of("to", "saturate"));
        DataType to = DataType.forNumber((int) a.i("to", 0));
        if (to == null) {
            throw a.unsupported("Cast to unknown type " + a.i("to", 0));
        }
        return switch (to) {
            case FLOAT, DOUBLE, FLOAT16 -> ConstTensor.ofDoubles(x.dims(), x.toDoubles());
            case INT64, INT32, INT16, INT8, UINT8, UINT16, UINT32, UINT64, BOOL -> {
                long[] v = new long[x.size()];
                for (int k = 0; k < v.length; k++) {
                    v[k] = x.integral() ? x.longAt(k) : (long) x.doubleAt(k);
                    if (to == DataType.BOOL) {
                        v[k] = x.doubleAt(k) != 0 ? 1 : 0;
                    }
                }
                yield ConstTensor.ofLongs(x.dims(), v);
            }
            default -> throw a.unsupported("Cast to " + to);
        };
    }

    /** Resolves a Reshape target (0 = copy, -1 = infer) against input dims. */
    static int[] reshapeTarget(int[] inDims, long[] target, boolean allowZero, Attrs a) {
        long total = 1;
        for (int d : inDims) {
            total *= d;
        }
        int[] out = new int[target.length];
        int infer = -1;
        long known = 1;
        for (int k = 0; k < target.length; k++) {
            long t = target[k];
            if (t == 0 && !allowZero) {
                if (k >= inDims.length) {
                    throw a.unsupported("Reshape copies dimension " + k + " of a rank-" + inDims.length + " input");
                }
                t = inDims[k];
            }
            if (t == -1) {
                if (infer >= 0) {
                    throw a.unsupported("Reshape with two -1 dimensions");
                }
                infer = k;
                continue;
            }
            if (t < 0 || t > ConstTensor.MAX_ELEMENTS) {
                throw a.unsupported("Reshape to invalid dimension " + t);
            }
            out[k] = (int) t;
            known *= t;
        }
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                throw a.unsupported("Reshape cannot infer -1 from " + total + " elements");
            }
            out[infer] = (int) (total / known);
        } else if (known != total) {
            throw a.unsupported("Reshape of " + total + " elements to " + known);
        }
        return out;
    }

    private static ConstTensor concat(NodeProto node, String name, List<ConstTensor> in) {
        Attrs a = Attrs.of(node, name, Set.of("axis"));
        int rank = in.get(0).rank();
        int axis = (int) normAxis(a.i("axis", 0), rank, a);
        int[] dims = in.get(0).dims();
        int total = 0;
        boolean integral = true;
        for (ConstTensor t : in) {
            if (t.rank() != rank) {
                throw new MalformedModelException("node '" + name + "': Concat of different ranks");
            }
            for (int k = 0; k < rank; k++) {
                if (k != axis && t.dim(k) != dims[k]) {
                    throw new MalformedModelException("node '" + name + "': Concat of mismatched shapes");
                }
            }
            total += t.dim(axis);
            integral &= t.integral();
        }
        dims[axis] = total;
        long count = ConstTensor.count(dims);
        if (count < 0) {
            throw a.unsupported("Concat result too large");
        }
        int outer = 1;
        for (int k = 0; k < axis; k++) {
            outer *= dims[k];
        }
        int inner = 1;
        for (int k = axis + 1; k < rank; k++) {
            inner *= dims[k];
        }
        double[] dv = new double[(int) count];
        long[] lv = new long[(int) count];
        int pos = 0;
        for (int o = 0; o < outer; o++) {
            for (ConstTensor t : in) {
                int block = t.dim(axis) * inner;
                for (int k = 0; k < block; k++) {
                    int src = o * block + k;
                    if (integral) {
                        lv[pos] = t.longAt(src);
                    } else {
                        dv[pos] = t.doubleAt(src);
                    }
                    pos++;
                }
            }
        }
        return integral ? ConstTensor.ofLongs(dims, lv) : ConstTensor.ofDoubles(dims, dv);
    }

    /**
     * ONNX Slice semantics on one axis of size {@code dim}: returns {start, count, step} after clamping (count may
     * be 0).
     */
    static long[] sliceAxis(long start, long end, long step, int dim) {
        if (step == 0) {
            throw new IllegalArgumentException("Slice step 0");
        }
        if (start < 0) {
            start = Math.max(start, -(long) dim) + dim;
        }
        if (end < 0) {
            end = Math.max(end, -(long) dim - 1) + dim;
        }
        long count;
        if (step > 0) {
            start = Math.min(start, dim);
            end = Math.min(end, dim);
            count = end > start ? (end - start + step - 1) / step : 0;
        } else {
            start = Math.min(start, dim - 1);
            end = Math.min(end, dim - 1);
            count = start > end ? (start - end + (-step) - 1) / (-step) : 0;
        }
        return new long[] {start, count, step};
    }

    /** Starts, ends, axes, steps of a Slice node, from inputs (opset 10+) or attributes (opset 1-9). */
    static long[][] sliceParams(NodeProto node, String name, List<ConstTensor> in, int rank) {
        Attrs a = Attrs.of(node, name, Set.of("starts", "ends", "axes"));
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (a.has("starts")) {
            starts = a.ints("starts");
            ends = a.ints("ends");
            axes = a.ints("axes");
        } else {
            if (in.size() < 3 || in.get(1) == null || in.get(2) == null) {
                throw new MalformedModelException("node '" + name + "': Slice needs starts and ends");
            }
            starts = in.get(1).toLongs();
            ends = in.get(2).toLongs();
            axes = in.size() > 3 && in.get(3) != null ? in.get(3).toLongs() : null;
            steps = in.size() > 4 && in.get(4) != null ? in.get(4).toLongs() : null;
        }
        if (ends == null || starts.length != ends.length) {
            throw new MalformedModelException("node '" + name + "': Slice starts and ends differ in length");
        }
        if (axes == null) {
            axes = new long[starts.length];
            for (int k = 0; k < axes.length; k++) {
                axes[k] = k;
            }
        }
        if (steps == null) {
            steps = new long[starts.length];
            java.util.Arrays.fill(steps, 1);
        }
        if (axes.length != starts.length || steps.length != starts.length) {
            throw new MalformedModelException("node '" + name + "': Slice parameter lengths differ");
        }
        for (int k = 0; k < axes.length; k++) {
            axes[k] = normAxis(axes[k], rank, a);
            if (steps[k] == 0) {
                throw new MalformedModelException("node '" + name + "': Slice step 0");
            }
        }
        return new long[][] {starts, ends, axes, steps};
    }

    private static ConstTensor slice(NodeProto node, String name, List<ConstTensor> in) {
        ConstTensor x = in.get(0);
        int rank = x.rank();
        long[][] p = sliceParams(node, name, in, rank);
        int[] dims = x.dims();
        long[] start = new long[rank];
        long[] step = new long[rank];
        int[] outDims = dims.clone();
        java.util.Arrays.fill(step, 1);
        for (int k = 0; k < p[0].length; k++) {
            int ax = (int) p[2][k];
            long[] s = sliceAxis(p[0][k], p[1][k], p[3][k], dims[ax]);
            start[ax] = s[0];
            outDims[ax] = (int) s[1];
            step[ax] = s[2];
        }
        int n = (int) ConstTensor.count(outDims);
        int[] src = new int[n];
        int[] idx = new int[rank];
        int[] strides = strides(dims);
        for (int i = 0; i < n; i++) {
            long off = 0;
            for (int k = 0; k < rank; k++) {
                off += (start[k] + idx[k] * step[k]) * strides[k];
            }
            src[i] = (int) off;
            increment(idx, outDims);
        }
        return x.gather(outDims, src);
    }

    private static ConstTensor transpose(NodeProto node, String name, ConstTensor x) {
        Attrs a = Attrs.of(node, name, Set.of("perm"));
        int rank = x.rank();
        long[] perm = a.ints("perm");
        if (perm == null) {
            perm = new long[rank];
            for (int k = 0; k < rank; k++) {
                perm[k] = rank - 1 - k;
            }
        }
        if (perm.length != rank) {
            throw new MalformedModelException("node '" + name + "': Transpose perm length differs from rank");
        }
        int[] dims = x.dims();
        int[] outDims = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int k = 0; k < rank; k++) {
            int pk = (int) normAxis(perm[k], rank, a);
            if (seen[pk]) {
                throw new MalformedModelException("node '" + name + "': Transpose perm repeats an axis");
            }
            seen[pk] = true;
            outDims[k] = dims[pk];
        }
        int[] strides = strides(dims);
        int n = x.size();
        int[] src = new int[n];
        int[] idx = new int[rank];
        for (int i = 0; i < n; i++) {
            int off = 0;
            for (int k = 0; k < rank; k++) {
                off += idx[k] * strides[(int) normAxis(perm[k], rank, a)];
            }
            src[i] = off;
            increment(idx, outDims);
        }
        return x.gather(outDims, src);
    }

    private static long[] axesOf(Attrs a, List<ConstTensor> in) {
        if (a.has("axes")) {
            return a.ints("axes");
        }
        return in.size() > 1 && in.get(1) != null ? in.get(1).toLongs() : null;
    }

    private static ConstTensor unsqueeze(NodeProto node, String name, List<ConstTensor> in) {
        Attrs a = Attrs.of(node, name, Set.of("axes"));
        long[] axes = axesOf(a, in);
        if (axes == null) {
            throw new MalformedModelException("node '" + name + "': Unsqueeze without axes");
        }
        int rank = in.get(0).rank() + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long ax : axes) {
            int k = (int) normAxis(ax, rank, a);
            if (inserted[k]) {
                throw new MalformedModelException("node '" + name + "': Unsqueeze repeats an axis");
            }
            inserted[k] = true;
        }
        int[] dims = new int[rank];
        int src = 0;
        for (int k = 0; k < rank; k++) {
            dims[k] = inserted[k] ? 1 : in.get(0).dim(src++);
        }
        return in.get(0).reshape(dims);
    }

    private static ConstTensor squeeze(NodeProto node, String name, List<ConstTensor> in) {
        Attrs a = Attrs.of(node, name, Set.of("axes"));
        long[] axes = axesOf(a, in);
        int rank = in.get(0).rank();
        boolean[] drop = new boolean[rank];
        if (axes == null) {
            for (int k = 0; k < rank; k++) {
                drop[k] = in.get(0).dim(k) == 1;
            }
        } else {
            for (long ax : axes) {
                int k = (int) normAxis(ax, rank, a);
                if (in.get(0).dim(k) != 1) {
                    throw new MalformedModelException("node '" + name + "': Squeeze of a dimension that is not 1");
                }
                drop[k] = true;
            }
        }
        int kept = 0;
        for (boolean d : drop) {
            kept += d ? 0 : 1;
        }
        int[] dims = new int[kept];
        int j = 0;
        for (int k = 0; k < rank; k++) {
            if (!drop[k]) {
                dims[j++] = in.get(0).dim(k);
            }
        }
        return in.get(0).reshape(dims);
    }

    private static ConstTensor gather(NodeProto node, String name, ConstTensor x, ConstTensor indices) {
        Attrs a = Attrs.of(node, name, Set.of("axis"));
        int rank = x.rank();
        int axis = (int) normAxis(a.i("axis", 0), rank, a);
        int[] dims = x.dims();
        int[] idxDims = indices.dims();
        int[] outDims = new int[rank - 1 + idxDims.length];
        int p = 0;
        for (int k = 0; k < axis; k++) {
            outDims[p++] = dims[k];
        }
        for (int d : idxDims) {
            outDims[p++] = d;
        }
        for (int k = axis + 1; k < rank; k++) {
            outDims[p++] = dims[k];
        }
        long count = ConstTensor.count(outDims);
        if (count < 0) {
            throw a.unsupported("Gather result too large");
        }
        int outer = 1;
        for (int k = 0; k < axis; k++) {
            outer *= dims[k];
        }
        int inner = 1;
        for (int k = axis + 1; k < rank; k++) {
            inner *= dims[k];
        }
        int[] src = new int[(int) count];
        int pos = 0;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < indices.size(); i++) {
                long ix = indices.longAt(i);
                if (ix < 0) {
                    ix += dims[axis];
                }
                if (ix < 0 || ix >= dims[axis]) {
                    throw new MalformedModelException("node '" + name + "': Gather index " + indices.longAt(i)
                            + " out of range");
                }
                for (int k = 0; k < inner; k++) {
                    src[pos++] = (int) ((o * (long) dims[axis] + ix) * inner + k);
                }
            }
        }
        return x.gather(outDims, src);
    }

    private static ConstTensor constantOfShape(NodeProto node, String name, ConstTensor shape) {
        Attrs a = Attrs.of(node, name, Set.of("value"));
        ConstTensor value = a.tensor("value");
        long[] s = shape.toLongs();
        int[] dims = new int[s.length];
        for (int k = 0; k < s.length; k++) {
            if (s[k] < 0 || s[k] > ConstTensor.MAX_ELEMENTS) {
                throw a.unsupported("ConstantOfShape with dimension " + s[k]);
            }
            dims[k] = (int) s[k];
        }
        long count = ConstTensor.count(dims);
        if (count < 0) {
            throw a.unsupported("ConstantOfShape result too large");
        }
        if (value != null && value.size() != 1) {
            throw new MalformedModelException("node '" + name + "': ConstantOfShape value must have one element");
        }
        if (value != null && value.integral()) {
            long[] v = new long[(int) count];
            java.util.Arrays.fill(v, value.longAt(0));
            return ConstTensor.ofLongs(dims, v);
        }
        double[] v = new double[(int) count];
        java.util.Arrays.fill(v, value == null ? 0.0 : value.doubleAt(0));
        return ConstTensor.ofDoubles(dims, v);
    }

    static int[] strides(int[] dims) {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int k = dims.length - 1; k >= 0; k--) {
            s[k] = acc;
            acc *= dims[k];
        }
        return s;
    }

    static void increment(int[] idx, int[] dims) {
        for (int k = idx.length - 1; k >= 0; k--) {
            if (++idx[k] < dims[k]) {
                return;
            }
            idx[k] = 0;
        }
    }
}
