"""A small NumPy reference evaluator for the ONNX graphs this recipe exports (float64 arithmetic).

It implements only the operators the exports contain (after export.fold_constants): Conv, BatchNormalization,
Mul, Add, Sub, Slice, Pad, AveragePool, Flatten, Gemm, Reshape, Relu, plus the constant-only helpers the raw
torch exporter emits (Constant, ConstantOfShape, Concat, Transpose, Cast, Identity, Shape, Gather, Unsqueeze).
It serves two purposes: export.py checks every exported file against PyTorch with it, and it is an executable
description of the node semantics for whoever writes the Java importer.
"""
import numpy as np

try:
    import onnx
    from onnx import numpy_helper
except ImportError:  # the smoke test reports this
    onnx = None


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _conv(x, w, b, strides, pads, group, dilations):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    assert group == 1 and dilations == [1, 1], "only group=1, dilation 1"
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    sh, sw = strides
    oh = (xp.shape[2] - kh) // sh + 1
    ow = (xp.shape[3] - kw) // sw + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
    out = np.einsum("nckloq,mckl->nmoq", cols, w, optimize=True)
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return out


def run_node(node, ins):
    op = node.op_type
    a = _attrs(node)
    if op == "Constant":
        return [numpy_helper.to_array(a["value"])]
    if op == "Identity":
        return [ins[0]]
    if op == "Conv":
        return [_conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]),
                      a.get("group", 1), a.get("dilations", [1, 1]))]
    if op == "BatchNormalization":
        x, g, bta, mean, var = ins
        eps = a.get("epsilon", 1e-5)
        sh = (1, -1) + (1,) * (x.ndim - 2)
        return [(x - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + eps) * g.reshape(sh) + bta.reshape(sh)]
    if op == "Mul":
        return [ins[0] * ins[1]]
    if op == "Add":
        return [ins[0] + ins[1]]
    if op == "Sub":
        return [ins[0] - ins[1]]
    if op == "Relu":
        return [np.maximum(ins[0], 0)]
    if op == "Slice":
        x, starts, ends = ins[0], ins[1], ins[2]
        axes = ins[3] if len(ins) > 3 and ins[3] is not None else np.arange(len(starts))
        steps = ins[4] if len(ins) > 4 and ins[4] is not None else np.ones(len(starts), dtype=np.int64)
        sl = [slice(None)] * x.ndim
        for s, e, ax, st in zip(starts, ends, axes, steps):
            dim = x.shape[int(ax)]
            e = min(int(e), dim) if int(e) >= 0 else int(e)
            sl[int(ax)] = slice(int(s), e, int(st))
        return [x[tuple(sl)]]
    if op == "Pad":
        x, pads = ins[0], ins[1].astype(np.int64)
        cval = float(ins[2]) if len(ins) > 2 and ins[2] is not None and np.size(ins[2]) else 0.0
        assert a.get("mode", b"constant") in (b"constant", "constant")
        r = x.ndim
        return [np.pad(x, [(int(pads[i]), int(pads[i + r])) for i in range(r)], constant_values=cval)]
    if op == "AveragePool":
        x = ins[0]
        k, s = a["kernel_shape"], a.get("strides", a["kernel_shape"])
        assert a.get("pads", [0, 0, 0, 0]) == [0, 0, 0, 0]
        n, c, h, w = x.shape
        oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
        out = np.zeros((n, c, oh, ow), dtype=x.dtype)
        for i in range(k[0]):
            for j in range(k[1]):
                out += x[:, :, i:i + s[0] * oh:s[0], j:j + s[1] * ow:s[1]]
        return [out / (k[0] * k[1])]
    if op == "Flatten":
        ax = a.get("axis", 1)
        return [ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)]
    if op == "Reshape":
        shape = [int(v) for v in ins[1]]
        shape = [ins[0].shape[i] if v == 0 else v for i, v in enumerate(shape)]
        return [ins[0].reshape(shape)]
    if op == "Gemm":
        A, B = ins[0], ins[1]
        if a.get("transA", 0):
            A = A.T
        if a.get("transB", 0):
            B = B.T
        y = a.get("alpha", 1.0) * (A @ B)
        if len(ins) > 2:
            y = y + a.get("beta", 1.0) * ins[2]
        return [y]
    if op == "ConstantOfShape":
        v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, dtype=np.float32)
        return [np.full([int(d) for d in ins[0]], v.reshape(-1)[0], dtype=v.dtype)]
    if op == "Concat":
        return [np.concatenate(ins, axis=a["axis"])]
    if op == "Transpose":
        return [np.transpose(ins[0], a.get("perm"))]
    if op == "Cast":
        to = onnx.helper.tensor_dtype_to_np_dtype(a["to"]) if hasattr(onnx.helper, "tensor_dtype_to_np_dtype") else onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]]
        return [ins[0].astype(to)]
    if op == "Shape":
        return [np.array(ins[0].shape, dtype=np.int64)]
    if op == "Gather":
        return [np.take(ins[0], ins[1].astype(np.int64), axis=a.get("axis", 0))]
    if op == "Unsqueeze":
        x = ins[0]
        for ax in sorted(int(v) for v in ins[1]):
            x = np.expand_dims(x, ax)
        return [x]
    raise NotImplementedError("operator %s" % op)


def run(model, feeds, dtype=np.float64):
    """Evaluate an onnx.ModelProto on {input name: array}; returns {output name: array}."""
    g = model.graph
    env = {}
    for t in g.initializer:
        arr = numpy_helper.to_array(t)
        env[t.name] = arr.astype(dtype) if arr.dtype.kind == "f" else arr
    for k, v in feeds.items():
        env[k] = np.asarray(v, dtype=dtype)
    for node in g.node:
        ins = [env[i] if i else None for i in node.input]
        with np.errstate(over="ignore", invalid="ignore"):
            outs = run_node(node, ins)
        for name, val in zip(node.output, outs):
            if isinstance(val, np.ndarray) and val.dtype.kind == "f" and node.op_type not in ("Cast",):
                val = val.astype(dtype)
            env[name] = val
    return {o.name: env[o.name] for o in g.output}
