"""ONNX export (opset 13, batch 1, static shapes) + model cards.

  /usr/bin/python3 -m training.export --run training/runs/resnet20_q [--copy-to models]

re-exports a finished (or interrupted) run from its checkpoint; training.train calls the same code at the end.

Export settings: model.eval(), torch.onnx.export(..., opset_version=13, training=TrainingMode.PRESERVE,
do_constant_folding=False). With training=TrainingMode.EVAL torch 1.13 fuses every BatchNorm into the preceding
Conv (even with do_constant_folding=False); PRESERVE on a model in eval mode keeps them as BatchNormalization
nodes (inference form, running statistics). PRESERVE also disables torch's constant folding, which leaves the
option-A shortcut's channel padding as a chain of constant-only helper nodes and every scalar as a Constant node;
fold_constants() below evaluates all constant-only nodes with NumPy and stores the results as initializers, so
all-zero Pad nodes (torch's avg_pool2d export emits one) are removed, so
the shipped graphs contain only: Conv, BatchNormalization, Mul, Add, Slice, Pad, AveragePool, Flatten, Gemm
(see training/README.md for the exact node patterns).
"""
import argparse
import collections
import hashlib
import inspect
import json
import os
import shutil
import sys

import numpy as np
import torch

from . import common, data
from .activation import fraction_str

FOLDABLE = {"Constant", "ConstantOfShape", "Concat", "Reshape", "Transpose", "Slice", "Cast", "Identity", "Gather",
            "Unsqueeze", "Shape", "Mul", "Add", "Sub"}


def fold_constants(model):
    import onnx
    from onnx import numpy_helper

    from . import onnx_ref

    g = model.graph
    known = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    orig_inits = set(known)
    graph_inputs = {i.name for i in g.input} - orig_inits
    kept = []
    rename = {}
    for node in g.node:
        if node.op_type in FOLDABLE and all((not i) or i in known for i in node.input):
            outs = onnx_ref.run_node(node, [known[i] if i else None for i in node.input])
            for name, val in zip(node.output, outs):
                known[name] = np.asarray(val)
        elif node.op_type == "Pad" and len(node.input) > 1 and node.input[1] in known and not np.any(known[node.input[1]]):
            rename[node.output[0]] = rename.get(node.input[0], node.input[0])  # all-zero Pad (torch's avg_pool2d export)
        else:
            for k, i in enumerate(node.input):
                if i in rename:
                    node.input[k] = rename[i]
            kept.append(node)
    for o in g.output:
        if o.name in rename:
            raise RuntimeError("graph output produced by a removed no-op node")
    used = {i for n in kept for i in n.input if i} | {o.name for o in g.output}
    new_inits = []
    for name in sorted(used):
        if name in known:
            new_inits.append(numpy_helper.from_array(known[name], name))
    del g.node[:]
    g.node.extend(kept)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    # graph inputs: keep only the real inputs (opset >= 9 does not need initializers listed as inputs)
    keep_inputs = [i for i in g.input if i.name in graph_inputs]
    del g.input[:]
    g.input.extend(keep_inputs)
    del g.value_info[:]
    return model


def torchscript_exporter():
    """Keyword arguments that select the TorchScript-based exporter, whose node patterns the Java importer reads:
    PyTorch 2.9 made the torch.export-based exporter (dynamo=True, opset 18, other patterns) the default."""
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        return {"dynamo": False}
    return {}


def export_onnx(model, path, input_shape, check_inputs=None):
    """Export `model` (eval mode) to `path`; verify with onnx.checker and the NumPy reference evaluator."""
    import onnx

    from . import onnx_ref

    model = model.cpu().eval()
    dummy = torch.zeros(input_shape)
    raw = path + ".raw.onnx"
    torch.onnx.export(model, dummy, raw, opset_version=13, training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False, input_names=["input"], output_names=["logits"], dynamic_axes=None,
                      **torchscript_exporter())
    m = onnx.load(raw)
    os.remove(raw)
    m = fold_constants(m)
    m.producer_name = "hecnn training recipe (torch %s)" % torch.__version__
    onnx.checker.check_model(m)
    onnx.save(m, path)
    report = {"opset": 13, "nodes": dict(collections.Counter(n.op_type for n in m.graph.node)),
              "initializers": len(m.graph.initializer)}
    if check_inputs is not None:
        errs = []
        with torch.no_grad():
            for i in range(check_inputs.shape[0]):
                x = check_inputs[i:i + 1]
                ref = model(x).double().numpy()
                if not np.all(np.isfinite(ref)) or np.max(np.abs(ref)) > 1e6:
                    continue  # an untrained quadratic network can overflow; nothing meaningful to compare
                got = onnx_ref.run(m, {"input": x.numpy()})["logits"]
                errs.append(float(np.max(np.abs(ref - got)) / max(1e-12, float(np.max(np.abs(ref))))))
        report["checked_images"] = len(errs)
        report["max_relative_difference_vs_torch"] = max(errs) if errs else None
        if errs and max(errs) > 1e-3:
            raise RuntimeError("ONNX file %s disagrees with PyTorch: relative difference %g" % (path, max(errs)))
    return report


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def card_markdown(card):
    lines = ["# Model card: %s" % card["name"], ""]
    lines.append("- File: `%s` (sha256 `%s`, %d bytes)" % (card["onnx"]["file"], card["onnx"]["sha256"], card["onnx"]["bytes"]))
    lines.append("- Architecture: %s" % card["architecture"])
    lines.append("- Input: `%s` %s; output `%s`" % (card["input"]["name"], card["input"]["shape"], card["output"]["name"]) + ("" if "shape" not in card["output"] else " %s" % card["output"]["shape"]))
    lines.append("- Preprocessing: %s" % card["input"]["preprocessing"])
    act = card["activation"]
    if "sites" in act:
        lines.append("- Activation: %s" % act["formula"])
    else:
        lines.append("- Activation (one shared polynomial, every activation layer): p(x) = %s" % act["formula"])
    for k, v in act.items():
        if k not in ("formula", "sites"):
            lines.append("  - %s: %s" % (k, json.dumps(v)))
    lines.append("- Training:")
    for k, v in card["training"].items():
        lines.append("  - %s: %s" % (k, v if isinstance(v, str) else json.dumps(v)))
    lines.append("- Accuracy:")
    for k, v in card["accuracy"].items():
        lines.append("  - %s: %s" % (k, v if isinstance(v, str) else json.dumps(v)))
    lines.append("- ONNX: opset %d, nodes %s, exported %s" % (card["onnx"]["opset"], json.dumps(card["onnx"]["nodes"]), card["onnx"]["settings"]))
    if card["onnx"].get("max_relative_difference_vs_torch") is not None:
        lines.append("  - checked against PyTorch with training/onnx_ref.py on %d test images: max relative logit difference %.2e"
                     % (card["onnx"]["checked_images"], card["onnx"]["max_relative_difference_vs_torch"]))
    rng = card.get("range")
    if rng:
        lines.append("- Value range (`training.certify`, inference form, %d images: %s): %s" % (
            rng["images_total"], ", ".join("%s %d" % (k, v["images"]) for k, v in rng["images"].items()),
            "**certified**" if rng["certified"] else "**NOT certified**: %d images give non-finite or huge outputs %s"
            % (len(rng["non_finite_or_huge_images"]), json.dumps(rng["non_finite_or_huge_images"][:5]))))
        lines.append("  - largest |pre-activation| %.3f; fraction outside [-2, 2] %.3g; largest |logit| %.3f"
                     % (rng["activation_input_max_abs"], rng["fraction_outside_overall"], rng["logits_max_abs"]))
        lines.append("  - per activation site (graph order), largest |x| / fraction outside [-2, 2]: " + "; ".join(
            "%d: %.2f / %.2g" % (s["site"], s["max_abs"], s["fraction_outside"]) for s in rng["sites"]))
    if card.get("licence"):
        lines.append("- Licence: %s" % card["licence"])
    if card.get("notes"):
        lines.append("- Notes: %s" % card["notes"])
    return "\n".join(lines) + "\n"


def write_card(card, out_dir, name):
    common.write_json(card, os.path.join(out_dir, name + ".card.json"))
    with open(os.path.join(out_dir, name + ".card.md"), "w") as f:
        f.write(card_markdown(card))


def cifar_command(a):
    return ("/usr/bin/python3 -m training.train --model %s --out %s --epochs %d --lr %g --zeta %g --seed %d --prescale %g --train-source %s --batch %d%s%s%s"
            % (a["model"], a["out"], a["epochs"], a["lr"], a["zeta"], a["seed"], a["prescale"], a["train_source"], a["batch"],
               " --init %s" % a["init"] if a["init"] not in ("auto", "akamaster") else "", " --name %s" % a["name"] if a.get("name") else "",
               " --epoch-size %d" % a["epoch_size"] if a.get("epoch_size") else "")
            + (" --no-penalty-warmup" if a.get("no_penalty_warmup") else "")
            + (" --lr-warmup-epochs %g" % a["lr_warmup_epochs"] if a.get("lr_warmup_epochs", 1.0) != 1.0 else "")
            + (" --teacher %s --kd-weight %g --kd-temp %g" % (a["teacher"], a["kd_weight"], a["kd_temp"]) if a.get("teacher") else "")
            + (" --act %s" % a["act"] if a.get("act", "shared") != "shared" else "")
            + (" --train-clamp off" if a.get("train_clamp", "on") == "off" else "")
            + (" --blend-epochs %g" % a["blend_epochs"] if a.get("blend_epochs") else "")
            + (" --val-split %s" % a["val_split"] if a.get("val_split", "none") != "none" else "")
            + (" --clip-grad %g" % a["clip_grad"] if a.get("clip_grad") else "")
            + (" --clamp-bound %g" % a["clamp_bound"] if a.get("clamp_bound") else ""))


def to_shared_curvature(model, fit, data_dir):
    """Reparametrises a per-channel model in place so every activation has the fit's x² coefficient (the encrypted
    compiler needs one shared coefficient, training/curvature.py); returns the largest logit change it caused on 256
    validation images (float32 rounding only)."""
    from .curvature import check_same_function, share_curvature

    x = data.normalize(data.load_cifar_train_lossless(data_dir)[0][:256], data.CIFAR_MEAN, data.CIFAR_STD)
    model.eval()
    with torch.no_grad():
        before = model(x)
    share_curvature(model, fit["coefficients"][0])
    with torch.no_grad():
        after = model(x)
    return check_same_function(before, after)


def channel_activation_card(model, fit, a):
    """The card's activation section for a model with a trainable quadratic per activation site and channel."""
    from .activation import ChannelQuadAct

    sites = []
    for mod_name, m in model.named_modules():
        if isinstance(m, ChannelQuadAct):
            a2, b1, k0 = (t.detach().flatten() for t in (m.a, m.b, m.k))
            sites.append({"site": mod_name, "channels": int(a2.numel()),
                          "a_range": [round(float(a2.min()), 5), round(float(a2.max()), 5)],
                          "b_range": [round(float(b1.min()), 5), round(float(b1.max()), 5)],
                          "k_range": [round(float(k0.min()), 5), round(float(k0.max()), 5)]})
    return {
        "formula": "a_c*x^2 + b_c*x + k_c: one trainable quadratic per activation site and channel (%d sites)" % len(sites),
        "initialisation": "every site and channel starts at the method's fit %s" % "*x^2 + ".join(fraction_str(c) for c in fit["coefficients"]),
        "training_clamp": ("p(clamp(x, -%g, %g)) in training" % ((a.get("clamp_bound") or 2.0,) * 2)) if a.get("train_clamp", "on") == "on"
                          else "none: training evaluates the plain p(x) that inference uses",
        "gradual_replacement": ("alpha*ReLU(x) + (1 - alpha)*p(x) in training, alpha annealed 1 -> 0 over the first %g epochs" % a["blend_epochs"]) if a.get("blend_epochs") else "none",
        "onnx_pattern": "t1=Mul(x,x); t2=Mul(t1,a); t3=Mul(x,b); t4=Add(t2,t3); y=Add(t4,k) with [C, 1, 1] float initializers a, b, k",
        "shared_curvature": "before export every site was reparametrised exactly (training/curvature.py: BatchNorm "
                            "gamma/beta, shortcut factors and first-convolution input channels) so that every a_c "
                            "equals the fit's x^2 coefficient %s; only b_c and k_c differ per channel. The encrypted "
                            "compiler needs one shared x^2 coefficient on a residual stream." % fit["coefficients"][0],
        "sites": sites,
    }


def export_cifar(model, args, name, fit, test_acc, relu_acc, init_desc, rows):
    from .models import ARCH_TEXT

    a = vars(args) if not isinstance(args, dict) else args
    out = a["out"]
    path = os.path.join(out, name + ".onnx")
    test_x8, test_y = data.load_cifar_test(a["data"])
    test_x = data.normalize(test_x8, data.CIFAR_MEAN, data.CIFAR_STD)
    curvature_change = None
    if a.get("act") == "channel":
        curvature_change = to_shared_curvature(model, fit, a["data"])
    rep = export_onnx(model, path, (1, 3, 32, 32), check_inputs=test_x[:4])
    epochs_done = int(rows[-1]["epoch"]) if rows else 0
    card = collections.OrderedDict()
    card["name"] = name
    card["architecture"] = ARCH_TEXT[a["model"]]
    card["input"] = {"name": "input", "shape": [1, 3, 32, 32], "dtype": "float32",
                     "preprocessing": "RGB pixels / 255, then per channel (x - mean) / std with mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225); NOT part of the graph"}
    card["output"] = {"name": "logits", "shape": [1, 10], "classes": data.class_names(a["data"])}
    c2, c1, c0 = fit["coefficients"]
    card["activation"] = channel_activation_card(model, fit, a) if a.get("act") == "channel" else {
        "formula": "%s*x^2 + %s*x + %s" % tuple(fraction_str(c) for c in fit["coefficients"]),
        "coefficients": {"c2": c2, "c1": c1, "c0": c0},
        "numerators_over_1024": fit["numerators"],
        "derivation": "least-squares fit to ReLU on %d equally spaced points of [-2, 2], coefficients on the 1/1024 grid (training/activation.py quadratic_fit_grid); unconstrained fit %s" % (fit["points"], [round(v, 6) for v in fit["unconstrained"]]),
        "training_clamp": "p(clamp(x, -2, 2)) in training only; plain p(x) at inference and in the ONNX graph",
        "onnx_pattern": "t1=Mul(x,x); t2=Mul(t1,c2); t3=Mul(x,c1); t4=Add(t2,t3); y=Add(t4,c0) (c2, c1, c0 rank-0 float initializers)",
    }
    if curvature_change is not None:
        card["activation"]["shared_curvature_largest_logit_change_on_256_validation_images"] = float("%.3g" % curvature_change)
    card["training"] = {
        "command": cifar_command(a),
        "init": init_desc,
        "data": "CIFAR-10 training images, source '%s' (JPEG q75 tar: 50,000 images; lossless: 5,170 images), random crop 32 with padding 4 + horizontal flip; %s" % (
            a["train_source"], "each epoch a fresh seeded random subset of %d images" % a["epoch_size"] if a.get("epoch_size") else "each epoch all images"),
        "epochs": epochs_done,
        "seed": a["seed"],
        "optimizer": "SGD momentum %g, weight decay %g, batch %d, lr %g with %g-epoch linear warm-up then cosine to 0" % (a["momentum"], a["wd"], a["batch"], a["lr"], a["lr_warmup_epochs"]),
        "penalty": "zeta * mean over activation layers of ||x - clamp(x, -2, 2)||_2, zeta = %g; warm-up: epoch 1 penalty only (zeta/100), epochs 2, 3, 4 CE + zeta/50, zeta/10, zeta/5, then CE + zeta" % a["zeta"],
        "distillation": ("(1 - %g) * CE + %g * T^2 * KL(teacher || student) on z-scored logits at T = %g, teacher: the akamaster ReLU %s on the same augmented batch"
                         % (a["kd_weight"], a["kd_weight"], a["kd_temp"], a["teacher"]) if a.get("teacher") else "none (CE only)"),
        ("per_epoch_val_acc" if rows and rows[0].get("val_acc") else "per_epoch_test_acc"):
            [round(float(r.get("val_acc") or r["test_acc"]), 4) for r in rows],
        "validation": ("the 5,170 lossless training images; trained on the 44,830 JPEG images that are not copies of them; the "
                       "test images were evaluated once, at export" if a.get("val_split") == "lossless" else "none: chosen on the test images"),
        "epoch_seconds": [float(r["epoch_seconds"]) for r in rows],
        "torch": torch.__version__,
    }
    if a["init"].startswith("run:"):
        prev = common.torch_load_trusted(os.path.join(a["init"][4:], "checkpoint.pt"))
        pm = json.loads(prev["meta"])["meta"]
        card["training"]["previous_stage"] = {"command": cifar_command(pm["args"]), "epochs": pm["epoch"],
                                              "test_acc_at_end": None}
        prow = common.CsvLog(os.path.join(a["init"][4:], "log.csv"), []).rows()
        if prow and prow[-1].get("val_acc"):
            # a run chosen on the validation split: its log holds no test accuracy
            del card["training"]["previous_stage"]["test_acc_at_end"]
            card["training"]["previous_stage"]["val_acc_at_end"] = float(prow[-1]["val_acc"])
            card["training"]["previous_stage"]["per_epoch_val_acc"] = [round(float(r["val_acc"]), 4) for r in prow]
        elif prow:
            card["training"]["previous_stage"]["test_acc_at_end"] = float(prow[-1]["test_acc"])
            card["training"]["previous_stage"]["per_epoch_test_acc"] = [round(float(r["test_acc"]), 4) for r in prow]
    card["accuracy"] = {
        "test_set": "the 500 lossless CIFAR-10 test images test_lossless_0-499.bin (official test images 0-499)" if not a.get("test_limit")
                    else "only the first %d lossless test images (--test-limit)" % a["test_limit"],
        "relu_original": None if relu_acc is None or a.get("val_split", "none") != "none" else round(relu_acc, 4),
        "quadratic_plaintext": round(test_acc, 4),
        "quadratic_plaintext_correct": int(round(test_acc * (a.get("test_limit") or 500))),
        "encrypted": "pending: measured by hecnn eval, listed in docs/models.md",
    }
    if a.get("val_split", "none") != "none" and relu_acc is not None:
        card["training"]["relu_original_on_validation"] = round(relu_acc, 4)
    card["onnx"] = dict(rep, file=os.path.basename(path), sha256=sha256(path), bytes=os.path.getsize(path),
                        settings="model.eval(); torch.onnx.export(opset_version=13, training=TrainingMode.PRESERVE, do_constant_folding=False), batch 1, static shapes; constant-only nodes folded into initializers by training/export.py fold_constants")
    card["licence"] = "derived from the akamaster ResNet weights (BSD-2-Clause, Copyright (c) 2018 Yerlan Idelbayev; notice in LICENSE-akamaster beside this file)" if a["init"] != "scratch" else None
    write_card(card, out, name)
    print("[export] %s (%d bytes), card %s.card.json/.md; nodes %s; max relative difference vs torch %.2e"
          % (path, card["onnx"]["bytes"], name, json.dumps(rep["nodes"]), rep.get("max_relative_difference_vs_torch", float("nan"))), flush=True)
    return card


def copy_to(run_dir, name, dest, data_dir):
    os.makedirs(dest, exist_ok=True)
    for suffix in (".onnx", ".card.json", ".card.md"):
        shutil.copy2(os.path.join(run_dir, name + suffix), os.path.join(dest, name + suffix))
    if os.path.exists(os.path.join(run_dir, "curves.png")):
        shutil.copy2(os.path.join(run_dir, "curves.png"), os.path.join(dest, name + ".curves.png"))
    lic = os.path.join(data_dir, "weights", "akamaster", "LICENSE")
    if os.path.exists(lic):
        shutil.copyfile(lic, os.path.join(dest, "LICENSE-akamaster"))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="a CIFAR run folder written by training.train")
    p.add_argument("--copy-to", default=None, help="also copy .onnx, cards and curves into this folder (e.g. models)")
    p.add_argument("--data", default=None)
    a = p.parse_args(argv)
    common.set_threads()
    from .models import build_model
    from .train import make_activation

    ck_path = os.path.join(a.run, "checkpoint.pt")
    ck = common.torch_load_trusted(ck_path)
    meta = json.loads(ck["meta"])["meta"]
    args = meta["args"]
    if a.data:
        args["data"] = a.data
    args["out"] = a.run
    act, fit = make_activation(args.get("act", "shared"), args.get("train_clamp", "on") == "on")
    model = build_model(args["model"], act)
    common.load_checkpoint(ck_path, model)
    test_x8, test_y = data.load_cifar_test(args["data"])
    _, acc, _ = common.evaluate(model, data.normalize(test_x8, data.CIFAR_MEAN, data.CIFAR_STD), test_y)
    name = args.get("name") or "%s_quad_s%d" % (args["model"], args["seed"])
    rows = common.CsvLog(os.path.join(a.run, "log.csv"), []).rows()
    if args["init"].startswith("run:"):
        init_desc = "continued from the run %s" % args["init"][4:]
    elif args["init"] != "scratch":
        init_desc = "fine-tuned from the ReLU checkpoint (akamaster), pre-activations rescaled by %g" % args.get("prescale", 1.0)
    else:
        init_desc = "trained from scratch"
    export_cifar(model, args, name, fit, acc, meta.get("relu_acc"), init_desc, rows)
    if a.copy_to:
        copy_to(a.run, name, a.copy_to, args["data"])
        print("[copy] %s.* -> %s" % (name, a.copy_to))


if __name__ == "__main__":
    main()
