"""Uniform model soup: one network whose weights are the average of several runs of the same architecture.

  /usr/bin/python3 -m training.soup --runs training/runs/resnet20_q_e11 ... training/runs/resnet20_q_e18 \
      --out training/runs/resnet20_soup --name resnet20_quad_soup [--copy-to models]

The ingredients must be short continuations of one finished run (the seeded ensemble members of
training/ensemble_chain.sh), so that they lie in one basin where averaging weights behaves like averaging
predictions (Wortsman et al., "Model soups", 2022). Every floating-point tensor of the state dict is averaged,
BatchNorm running statistics included; integer buffers (num_batches_tracked) come from the first run. The soup
costs one network at inference, unlike an ensemble of M, and needs no training of its own. Each ingredient and the
soup are evaluated in eval mode on the 500 lossless test images; the soup is exported to ONNX with a card beside
it, in the same form as a trained run (training/export.py).
"""
import argparse
import collections
import json
import os

import torch

from . import common, data, export
from .models import build_model
from .train import make_activation


def load_run(run):
    """The model of a finished run, its training arguments and its card (written by training.train at the end)."""
    model, meta = common.load_run_model(run)
    card_path = os.path.join(run, meta["args"]["name"] + ".card.json")
    if not os.path.exists(card_path):
        raise SystemExit("%s has no card %s: finish or re-export the run first (training.export --run %s)" % (run, card_path, run))
    with open(card_path) as f:
        card = json.load(f)
    return model, meta, card


def average_state(states):
    """The element-wise mean of every floating-point tensor; other tensors are taken from the first state."""
    keys = list(states[0])
    for s in states[1:]:
        if list(s) != keys:
            raise SystemExit("the runs do not share one architecture (state dict keys differ)")
    return collections.OrderedDict(
        (k, torch.stack([s[k] for s in states]).mean(0) if states[0][k].dtype.is_floating_point else states[0][k].clone())
        for k in keys)


def soup_card(name, runs, cards, metas, accuracies, soup_acc, report, onnx_path, command):
    first = cards[0]
    card = collections.OrderedDict()
    card["name"] = name
    card["architecture"] = first["architecture"]
    card["input"] = first["input"]
    card["output"] = first["output"]
    card["activation"] = first["activation"]
    base = first["training"].get("previous_stage", {})
    card["training"] = collections.OrderedDict([
        ("command", command),
        ("method", "uniform model soup: the element-wise mean of the ingredients' weights and BatchNorm statistics (training/soup.py); no training of its own"),
        ("epochs", metas[0]["epoch"]),
        ("ingredients", [collections.OrderedDict([("run", r), ("command", c["training"]["command"]), ("seed", m["args"]["seed"]),
                                                  ("test_acc", round(acc, 4))]) for r, c, m, acc in zip(runs, cards, metas, accuracies)]),
        ("previous_stage", base),
        ("torch", torch.__version__),
    ])
    card["accuracy"] = collections.OrderedDict([
        ("test_set", first["accuracy"]["test_set"]),
        ("relu_original", first["accuracy"].get("relu_original")),
        ("quadratic_plaintext", round(soup_acc, 4)),
        ("quadratic_plaintext_correct", int(round(soup_acc * 500))),
        ("ingredients", [round(a, 4) for a in accuracies]),
    ])
    card["onnx"] = dict(report, file=os.path.basename(onnx_path), sha256=export.sha256(onnx_path), bytes=os.path.getsize(onnx_path),
                        settings=first["onnx"]["settings"])
    card["licence"] = first.get("licence")
    return card


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", nargs="+", required=True, help="finished runs of one architecture (at least two)")
    p.add_argument("--out", required=True, help="folder for the soup's ONNX file and card")
    p.add_argument("--name", required=True)
    p.add_argument("--copy-to", default=None, help="also copy the ONNX file and card into this folder (e.g. models)")
    p.add_argument("--data", default=data.DEFAULT_DATA)
    a = p.parse_args(argv)
    if len(a.runs) < 2:
        raise SystemExit("a soup needs at least two runs")
    common.set_threads()
    x8, y = data.load_cifar_test(a.data)
    x = data.normalize(x8, data.CIFAR_MEAN, data.CIFAR_STD)
    models, metas, cards, accuracies = [], [], [], []
    for run in a.runs:
        model, meta, card = load_run(run)
        _, acc, _ = common.evaluate(model, x, y)
        print("[ingredient] %s seed %d: %.2f%%" % (run, meta["args"]["seed"], 100 * acc), flush=True)
        models.append(model)
        metas.append(meta)
        cards.append(card)
        accuracies.append(acc)
    act, _ = make_activation()
    soup = build_model(metas[0]["args"]["model"], act)
    soup.load_state_dict(average_state([m.state_dict() for m in models]))
    _, soup_acc, _ = common.evaluate(soup, x, y)
    print("[soup] uniform average of %d runs: %.2f%% on the 500 lossless test images (ingredients %.2f-%.2f%%)"
          % (len(models), 100 * soup_acc, 100 * min(accuracies), 100 * max(accuracies)), flush=True)
    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, a.name + ".onnx")
    report = export.export_onnx(soup, onnx_path, (1, 3, 32, 32), check_inputs=x[:4])
    command = "/usr/bin/python3 -m training.soup --runs %s --out %s --name %s" % (" ".join(a.runs), a.out, a.name)
    card = soup_card(a.name, a.runs, cards, metas, accuracies, soup_acc, report, onnx_path, command)
    export.write_card(card, a.out, a.name)
    print("[export] %s, card %s.card.json/.md" % (onnx_path, a.name), flush=True)
    if a.copy_to:
        export.copy_to(a.out, a.name, a.copy_to, a.data)
        print("[copy] into %s" % a.copy_to, flush=True)
    return soup_acc


if __name__ == "__main__":
    main()
