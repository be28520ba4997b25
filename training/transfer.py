"""Private transfer learning (method part B's real-world path): public features, private DP head.

  /usr/bin/python3 -m training.transfer --out training/runs/transfer

The client computes features with a public pretrained network in plaintext: the ReLU ResNet-20 of
../shared/data/weights/akamaster without its final linear layer (64 features after global average pooling). The
server's private head is a linear layer 64 -> 10 trained on those features with differentially private SGD:
Poisson sampling of each training example with rate q = batch / n, per-example gradients clipped to L2 norm C, the
sum plus Gaussian noise N(0, (sigma C)^2) divided by the expected batch size. The privacy accountant is the Renyi-DP
bound of the Poisson-subsampled Gaussian mechanism for integer orders (Mironov, Talwar and Zhang 2019):
  log A_a = logsumexp_k [ log C(a, k) + (a - k) log(1 - q) + k log q + (k^2 - k) / (2 sigma^2) ],
  RDP(a) = T log A_a / (a - 1) after T steps, epsilon = min_a RDP(a) + log(1 / delta) / (a - 1),
and the noise multiplier sigma for a target epsilon is found by bisection. epsilon = inf is plain SGD (no clipping,
no noise). Training data: the 50,000 JPEG training images; accuracy only on the 500 lossless test images.

Outputs (in --out, and copied to models/ with --install): the feature extractor and one head per epsilon as ONNX,
a model card with the accuracy-vs-epsilon table, and the training log.
"""
import argparse
import json
import math
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn as nn

from . import common, data
from .activation import ReLUAct
from .export import export_onnx, sha256
from .legacy_load import load_akamaster_state_dict
from .models import build_model

FEATURES = 64


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--data", default=data.DEFAULT_DATA)
    p.add_argument("--epsilons", default="1,3,8,inf")
    p.add_argument("--delta", type=float, default=1e-5)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch", type=int, default=1024, help="expected batch size (Poisson sampling)")
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--lr", type=float, default=2.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--limit", type=int, default=None, help="training images (smoke tests)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--install", action="store_true", help="copy the ONNX files and the card to models/")
    return p.parse_args(argv)


# ---- privacy accountant ------------------------------------------------------------------------------------------

def rdp_sampled_gaussian(q, sigma, alpha):
    """RDP of one step of the Poisson-subsampled Gaussian mechanism at integer order alpha >= 2."""
    if q == 0:
        return 0.0
    if q == 1:
        return alpha / (2 * sigma ** 2)
    k = np.arange(alpha + 1, dtype=np.float64)
    log_binom = np.array([math.lgamma(alpha + 1) - math.lgamma(i + 1) - math.lgamma(alpha - i + 1) for i in range(alpha + 1)])
    terms = log_binom + (alpha - k) * math.log1p(-q) + k * math.log(q) + (k * k - k) / (2 * sigma ** 2)
    m = terms.max()
    return float((m + math.log(np.exp(terms - m).sum())) / (alpha - 1))


ORDERS = list(range(2, 257))


def epsilon(q, sigma, steps, delta):
    """(epsilon, best order) after `steps` steps at sampling rate q and noise multiplier sigma."""
    best = (math.inf, None)
    for a in ORDERS:
        e = steps * rdp_sampled_gaussian(q, sigma, a) + math.log(1 / delta) / (a - 1)
        if e < best[0]:
            best = (e, a)
    return best


def noise_for_epsilon(target, q, steps, delta):
    """Smallest sigma (to 0.1%) with epsilon(q, sigma, steps, delta) <= target."""
    lo, hi = 0.3, 1.0
    while epsilon(q, hi, steps, delta)[0] > target:
        hi *= 2
    while hi - lo > 1e-3 * hi:
        mid = (lo + hi) / 2
        if epsilon(q, mid, steps, delta)[0] > target:
            lo = mid
        else:
            hi = mid
    return hi


# ---- features -----------------------------------------------------------------------------------------------------

def feature_extractor(data_dir):
    m = build_model("resnet20", ReLUAct())
    sd, _ = load_akamaster_state_dict(data.require(os.path.join(data_dir, "weights", "akamaster", "resnet20-12fca82f.th")))
    m.load_state_dict(sd)
    m.linear = nn.Identity()
    return m.eval()


def features(model, x_uint8, batch=500):
    out = []
    with torch.no_grad():
        for i in range(0, x_uint8.shape[0], batch):
            x = data.normalize(x_uint8[i:i + batch], data.CIFAR_MEAN, data.CIFAR_STD)
            out.append(model(x))
            print("[features] %d/%d" % (min(i + batch, x_uint8.shape[0]), x_uint8.shape[0]), flush=True)
    return torch.cat(out).double()


# ---- DP-SGD for the linear head ------------------------------------------------------------------------------------

def train_head(fx, fy, eps, a, n_steps, q, sigma, gen):
    """Linear softmax head; per-example gradients in closed form: (p - y) outer [x, 1]."""
    w = torch.zeros(10, FEATURES + 1, dtype=torch.float64)
    xb = torch.cat([fx, torch.ones(fx.shape[0], 1, dtype=torch.float64)], 1)
    onehot = torch.nn.functional.one_hot(fy, 10).double()
    expected = q * fx.shape[0]
    for step in range(n_steps):
        mask = torch.rand(fx.shape[0], generator=gen, dtype=torch.float64) < q
        x = xb[mask]
        r = torch.softmax(x @ w.T, 1) - onehot[mask]
        if math.isinf(eps):
            g = r.T @ x / max(1, x.shape[0])
        else:
            norms = r.norm(dim=1) * x.norm(dim=1)  # ||(p - y) x^T||_F = ||p - y|| ||x||
            scale = torch.clamp(a.clip / torch.clamp(norms, min=1e-12), max=1.0)
            g = (r * scale[:, None]).T @ x
            g = (g + torch.randn(g.shape, generator=gen, dtype=torch.float64) * sigma * a.clip) / expected
        lr = a.lr * 0.5 * (1 + math.cos(math.pi * step / n_steps))
        w -= lr * g
    return w


def accuracy(w, fx, fy):
    xb = torch.cat([fx, torch.ones(fx.shape[0], 1, dtype=torch.float64)], 1)
    return float(((xb @ w.T).argmax(1) == fy).double().mean())


class Head(nn.Module):
    """The exported head: input [1, 64] (the features), linear."""

    def __init__(self, w):
        super().__init__()
        self.linear = nn.Linear(FEATURES, 10)
        with torch.no_grad():
            self.linear.weight.copy_(w[:, :FEATURES].float())
            self.linear.bias.copy_(w[:, FEATURES].float())

    def forward(self, x):
        return self.linear(x)


def card_markdown(card):
    t = card["training"]
    lines = ["# Model card: %s" % card["name"], "",
             "- Architecture: %s" % card["architecture"],
             "- Public feature extractor: `%s` (sha256 `%s`); preprocessing %s" % (
                 card["feature_extractor"]["onnx"], card["feature_extractor"]["sha256"], card["feature_extractor"]["preprocessing"]),
             "- Head input range (planned for under encryption): %s — %s" % (card["head_input_range"], card["head_input_range_note"]),
             "- Training: `%s`" % t["command"], "  - data: %s" % t["data"], "  - DP-SGD: %s" % t["dp_sgd"],
             "  - accountant: %s" % t["accountant"], "  - torch %s, seed %d" % (t["torch"], t["seed"]), "",
             "Accuracy on the %s:" % card["test_set"], "",
             "| target epsilon | delta | noise multiplier | achieved epsilon (RDP order) | test accuracy | head |",
             "|---|---|---|---|---|---|"]
    for r in card["accuracy_vs_epsilon"]:
        lines.append("| %s | %g | %s | %s | %.2f%% | `%s` |" % (
            "inf (no DP)" if r["epsilon"] is None else "%g" % r["epsilon"], r["delta"], r["noise_multiplier"],
            "-" if r["achieved_epsilon"] is None else "%.3f (%d)" % (r["achieved_epsilon"], r["rdp_order"]),
            100 * r["test_accuracy"], r["onnx"]))
    return "\n".join(lines) + "\n"


def main(argv=None):
    a = parse_args(argv)
    common.set_threads(a.threads)
    common.seed_all(a.seed)
    os.makedirs(a.out, exist_ok=True)
    extractor = feature_extractor(a.data)
    cache = os.path.join(a.out, "features%s.pt" % ("" if a.limit is None else "-%d" % a.limit))
    if os.path.exists(cache):
        d = common.torch_load_trusted(cache)
        tx, ty, vx, vy = d["tx"], d["ty"], d["vx"], d["vy"]
        print("[features] cached in %s" % cache, flush=True)
    else:
        tx8, ty = data.load_cifar_train(a.data, source="jpeg", limit=a.limit)
        vx8, vy = data.load_cifar_test(a.data)
        tx = features(extractor, tx8)
        vx = features(extractor, vx8)
        common.save_atomic({"tx": tx, "ty": ty, "vx": vx, "vy": vy}, cache)
    n = tx.shape[0]
    q = a.batch / n
    steps = int(round(a.epochs / q))
    fmax = float(tx.max())
    input_hi = float(2 ** math.ceil(math.log2(2 * max(fmax, float(vx.max())))))
    print("[data] %d training features (max %.3f), %d test; q = %.5f, %d steps, delta = %g"
          % (n, fmax, vx.shape[0], q, steps, a.delta), flush=True)
    rows = []
    for e_str in a.epsilons.split(","):
        eps = math.inf if e_str.strip() == "inf" else float(e_str)
        sigma = 0.0 if math.isinf(eps) else noise_for_epsilon(eps, q, steps, a.delta)
        achieved, order = (math.inf, None) if math.isinf(eps) else epsilon(q, sigma, steps, a.delta)
        gen = torch.Generator().manual_seed(a.seed * 1000 + (0 if math.isinf(eps) else int(eps * 10)))
        w = train_head(tx, ty, eps, a, steps, q, sigma, gen)
        acc = accuracy(w, vx, vy)
        name = "cifar_head_eps%s" % ("inf" if math.isinf(eps) else ("%g" % eps).replace(".", "p"))
        path = os.path.join(a.out, name + ".onnx")
        rep = export_onnx(Head(w), path, (1, FEATURES), check_inputs=vx[:4].float())
        row = {"epsilon": None if math.isinf(eps) else eps, "delta": a.delta, "noise_multiplier": round(sigma, 4),
               "achieved_epsilon": None if math.isinf(eps) else round(achieved, 4), "rdp_order": order,
               "test_accuracy": round(acc, 4), "onnx": os.path.basename(path), "sha256": sha256(path),
               "onnx_check": rep.get("max_relative_difference_vs_torch")}
        rows.append(row)
        print("[head] epsilon %s: sigma %.3f (achieved %.3f at order %s) -> test accuracy %.2f%%"
              % (e_str, sigma, achieved, order, 100 * acc), flush=True)
    fpath = os.path.join(a.out, "resnet20_relu_features.onnx")
    frep = export_onnx(extractor, fpath, (1, 3, 32, 32))
    card = {
        "name": "cifar_transfer",
        "architecture": "public: akamaster ReLU ResNet-20 without its final linear layer (64 features after global "
                        "average pooling); private: linear head 64 -> 10 (input [1, 64])",
        "feature_extractor": {"onnx": os.path.basename(fpath), "sha256": sha256(fpath), "nodes": frep["nodes"],
                              "preprocessing": "pixels / 255, then per channel (x - %s) / %s" % (list(data.CIFAR_MEAN), list(data.CIFAR_STD))},
        "head_input_range": [0.0, input_hi],
        "head_input_range_note": "features are >= 0 (ReLU then average); the upper end is the next power of two above twice the largest feature seen",
        "training": {"command": "/usr/bin/python3 -m training.transfer --out %s --epsilons %s --delta %g --epochs %d --batch %d --clip %g --lr %g --seed %d"
                                % (a.out, a.epsilons, a.delta, a.epochs, a.batch, a.clip, a.lr, a.seed),
                     "data": "%d JPEG CIFAR-10 training images (features)" % n,
                     "dp_sgd": "Poisson sampling q = %.5f, %d steps (%d epochs), per-example clipping C = %g, Gaussian noise sigma*C, cosine lr from %g"
                               % (q, steps, a.epochs, a.clip, a.lr),
                     "accountant": "RDP of the Poisson-subsampled Gaussian, integer orders 2..256, epsilon = min_a RDP(a) + log(1/delta)/(a-1)",
                     "torch": torch.__version__, "seed": a.seed},
        "accuracy_vs_epsilon": rows,
        "test_set": "500 lossless CIFAR-10 test images",
    }
    common.write_json(card, os.path.join(a.out, "cifar_transfer.card.json"))
    with open(os.path.join(a.out, "cifar_transfer.card.md"), "w") as f:
        f.write(card_markdown(card))
    if a.install:
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models")
        for f in [fpath] + [os.path.join(a.out, r["onnx"]) for r in rows] + [os.path.join(a.out, "cifar_transfer.card.%s" % x) for x in ("json", "md")]:
            shutil.copy(f, root)
    print("[done] %s" % json.dumps(rows), flush=True)
    return rows


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
