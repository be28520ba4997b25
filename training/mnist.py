"""CryptoNets-style MNIST network with the Faster CryptoNets training steps (method part B).

  /usr/bin/python3 -m training.mnist --out training/runs/mnist_fcn

Network: conv 5x5 stride 2 padding 1 (1 -> 5 maps, 13x13) -> act -> FC 845 -> 100 -> act -> FC 100 -> 10.
Activation: p(x) = c2 x^2 + c1 x + c0 with every coefficient 0 or +-2^k, the least-squares fit to ReLU on
[-4, 4] found by exhaustive search (activation.quadratic_fit_pow2); clamped to [-4, 4] in training only, with
the range penalty zeta * mean ||x - clamp(x)||_2 (no warm-up: this is a shallow network trained from scratch).

Steps (one checkpoint per epoch, automatic resume, CSV log, plot):
  1. dense training;
  2. dynamic network surgery (Guo et al. 2016): per weight tensor a binary mask T; the forward pass uses W*T,
     the update goes to all of W (pruned weights keep learning and can be spliced back); T is recomputed every
     `--dns-every` steps: T = 0 where |W| < 0.9 t, T = 1 where |W| > 1.1 t, unchanged in between, with t the
     magnitude quantile at the layer's target sparsity (ramped up over the first DNS epochs); the last DNS
     epochs freeze T and fine-tune;
  3. incremental network quantisation (Zhou et al. 2017) of the surviving weights to signed powers of two:
     for the accumulated fractions 50%, 75%, 87.5%, 100% the largest-magnitude not-yet-quantised surviving
     weights are rounded to +-2^k (k in [n1 - 7, n1], n1 = floor(log2(4 max|W| / 3)); INQ's 5-bit setting) and
     frozen; the rest are retrained. Biases stay real-valued (they are plaintext additions).
Accuracy is measured on the 10,000 MNIST test images (t10k); sparsity counts weights (not biases).
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import common, data
from .activation import QuadAct, quadratic_fit_pow2
from .models import ARCH_TEXT, CryptoNetsMNIST

FIELDS = ["epoch", "phase", "step", "lr", "train_loss", "train_ce", "train_penalty", "train_acc", "test_loss", "test_acc",
          "sparsity", "sparsity_conv", "sparsity_fc1", "sparsity_fc2", "quantized_fraction", "epoch_seconds"]
LAYERS = ["conv", "fc1", "fc2"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--data", default=data.DEFAULT_DATA)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dense-epochs", type=int, default=10)
    p.add_argument("--dns-epochs", type=int, default=8)
    p.add_argument("--dns-ramp-epochs", type=int, default=4)
    p.add_argument("--inq-epochs", type=int, default=2, help="retraining epochs after each INQ fraction")
    p.add_argument("--inq-fractions", default="0.5,0.75,0.875,1.0")
    p.add_argument("--sparsity", default="0.5,0.92,0.7", help="target sparsity for conv, fc1, fc2")
    p.add_argument("--dns-every", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--zeta", type=float, default=0.01)
    p.add_argument("--act-range", type=float, default=4.0)
    p.add_argument("--shift", type=int, default=0, help="augmentation: random translation by up to N pixels (zero padding + crop)")
    p.add_argument("--limit", type=int, default=None, help="training images (smoke tests)")
    p.add_argument("--epoch-size", type=int, default=None, help="images per epoch: a fresh seeded random subset each epoch (default: all 60,000)")
    p.add_argument("--test-limit", type=int, default=None)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-export", action="store_true")
    p.add_argument("--name", default=None, help="default: mnist_cryptonets_pow2, or mnist_cryptonets_dense with --dense-only")
    p.add_argument("--dense-only", action="store_true",
                   help="the dense baseline of the same architecture: no pruning, no quantisation, and the unconstrained "
                        "least-squares activation (generic coefficients) instead of the power-of-two one")
    a = p.parse_args(argv)
    if a.dense_only:
        a.dns_epochs = a.inq_epochs = 0
        a.inq_fractions = ""
    if a.name is None:
        a.name = "mnist_cryptonets_dense" if a.dense_only else "mnist_cryptonets_pow2"
    return a


def schedule(a):
    """Flat list of epochs: (phase, step index, lr)."""
    s = []
    for e in range(a.dense_epochs):
        s.append(("dense", 0, e, a.lr * 0.5 * (1 + math.cos(math.pi * e / a.dense_epochs))))
    for e in range(a.dns_epochs):
        s.append(("dns", 0, e, a.lr * 0.2 * (1.0 if e < a.dns_ramp_epochs else 0.5 ** (e - a.dns_ramp_epochs + 1))))
    fr = [float(v) for v in a.inq_fractions.split(",") if v]
    for i, _ in enumerate(fr):
        for e in range(a.inq_epochs):
            s.append(("inq", i, e, a.lr * 0.1 * (0.5 ** e)))
    return s, fr


class State:
    """Masks (1 = alive), INQ frozen flags and their power-of-two values, per weight tensor."""

    def __init__(self, model):
        self.mask = {n: torch.ones_like(getattr(model, n).weight) for n in LAYERS}
        self.frozen = {n: torch.zeros_like(getattr(model, n).weight, dtype=torch.bool) for n in LAYERS}
        self.qval = {n: torch.zeros_like(getattr(model, n).weight) for n in LAYERS}

    def tensors(self):
        out = {}
        for n in LAYERS:
            out["mask." + n] = self.mask[n]
            out["frozen." + n] = self.frozen[n].to(torch.uint8)
            out["qval." + n] = self.qval[n]
        return out

    def load(self, d):
        for n in LAYERS:
            self.mask[n] = d["mask." + n].float()
            self.frozen[n] = d["frozen." + n].bool()
            self.qval[n] = d["qval." + n].float()


def effective_weight(w, mask, frozen, qval):
    """Forward value: pow2 value where frozen, W elsewhere, times the mask. Gradient flows to W unmasked (DNS)."""
    wq = torch.where(frozen, qval, w)
    return wq + (wq * mask - wq).detach()


class Surgery(nn.Module):
    def __init__(self, model, state):
        super().__init__()
        self.model, self.state = model, state

    def forward(self, x):
        m, s = self.model, self.state
        wc = effective_weight(m.conv.weight, s.mask["conv"], s.frozen["conv"], s.qval["conv"])
        out = m.act(F.conv2d(x, wc, m.conv.bias, stride=2, padding=1))
        out = torch.flatten(out, 1)
        w1 = effective_weight(m.fc1.weight, s.mask["fc1"], s.frozen["fc1"], s.qval["fc1"])
        out = m.act(F.linear(out, w1, m.fc1.bias))
        w2 = effective_weight(m.fc2.weight, s.mask["fc2"], s.frozen["fc2"], s.qval["fc2"])
        return F.linear(out, w2, m.fc2.bias)


def sparsity(state):
    tot = sum(state.mask[n].numel() for n in LAYERS)
    zero = sum(int((state.mask[n] == 0).sum()) for n in LAYERS)
    return zero / tot, {n: float((state.mask[n] == 0).float().mean()) for n in LAYERS}


def dns_update(model, state, targets, ramp):
    for n, t in zip(LAYERS, targets):
        w = getattr(model, n).weight.detach().abs()
        q = float(torch.quantile(w.flatten(), min(0.999, t * ramp))) if t * ramp > 0 else 0.0
        lo, hi = 0.9 * q, 1.1 * q
        m = state.mask[n]
        m[w < lo] = 0.0
        m[w > hi] = 1.0


def pow2_round(w, n1, nbits=5):
    """INQ rounding of |w| to 2^k, k in [n2, n1] (n2 = n1 + 1 - 2^(nbits-1)/2 ... here n1-7 for 5 bits); tiny -> 0."""
    n2 = n1 + 1 - 2 ** (nbits - 1) // 2 * 2  # 5 bits: 8 exponents n1-7..n1
    a = w.abs()
    k = torch.floor(torch.log2(a * 4.0 / 3.0).clamp(min=-60))
    k = k.clamp(n2, n1)
    v = torch.sign(w) * torch.pow(2.0, k)
    v[a < (2.0 ** n2) * 2.0 / 3.0] = 0.0
    return v


def inq_quantize(model, state, fraction):
    for n in LAYERS:
        w = getattr(model, n).weight.detach()
        alive = state.mask[n] > 0
        n1 = int(math.floor(math.log2(4.0 * float(w[alive].abs().max()) / 3.0)))
        target = int(round(fraction * int(alive.sum())))
        have = int((state.frozen[n] & alive).sum())
        need = target - have
        if need <= 0:
            continue
        cand = alive & ~state.frozen[n]
        mags = torch.where(cand, w.abs(), torch.full_like(w, -1.0)).flatten()
        idx = torch.topk(mags, need).indices
        fl = state.frozen[n].flatten().clone()
        fl[idx] = True
        state.frozen[n] = fl.view_as(w)
        qv = pow2_round(w, n1)
        state.qval[n] = torch.where(state.frozen[n], qv, state.qval[n])
        # a weight rounded to 0 is pruned
        state.mask[n] = torch.where(state.frozen[n] & (state.qval[n] == 0), torch.zeros_like(state.mask[n]), state.mask[n])


def bake(model, state):
    """A plain CryptoNetsMNIST whose weights are the effective (masked, quantised) ones, for evaluation and export."""
    out = CryptoNetsMNIST(model.act)
    out.load_state_dict(model.state_dict())
    with torch.no_grad():
        for n in LAYERS:
            w = getattr(model, n).weight
            getattr(out, n).weight.copy_(torch.where(state.frozen[n], state.qval[n], w) * state.mask[n])
    return out


def pow2_check(model, state):
    """Fraction of nonzero weights that are exactly +-2^k, per layer."""
    res = {}
    for n in LAYERS:
        w = (torch.where(state.frozen[n], state.qval[n], getattr(model, n).weight.detach()) * state.mask[n]).flatten()
        nz = w[w != 0]
        if nz.numel() == 0:
            res[n] = 1.0
            continue
        l = torch.log2(nz.abs())
        res[n] = float((l == torch.round(l)).float().mean())
    return res


def main(argv=None):
    a = parse_args(argv)
    common.set_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    ck_path = os.path.join(a.out, "checkpoint.pt")
    log = common.CsvLog(os.path.join(a.out, "log.csv"), FIELDS)
    common.seed_all(a.seed)
    fit = quadratic_fit_pow2(a.act_range, 400)
    act = QuadAct(fit["unconstrained"] if a.dense_only else fit["coefficients"], r=a.act_range)
    model = CryptoNetsMNIST(act)
    state = State(model)
    targets = [float(v) for v in a.sparsity.split(",")]
    sched, fractions = schedule(a)

    tx8, ty = data.load_mnist(a.data, "train")
    vx8, vy = data.load_mnist(a.data, "test")
    if a.limit:
        tx8, ty = tx8[:a.limit], ty[:a.limit]
    if a.test_limit:
        vx8, vy = vx8[:a.test_limit], vy[:a.test_limit]
    vx = data.normalize(vx8, (data.MNIST_MEAN,), (data.MNIST_STD,))
    print("[data] MNIST %d training, %d test images; activation %s (pow2 fit on [-%g, %g], unconstrained %s)"
          % (tx8.shape[0], vx.shape[0], " + ".join("%s%s" % (p, t) for p, t in zip(fit["pow2"], ["*x^2", "*x", ""])), a.act_range, a.act_range,
             [round(v, 4) for v in fit["unconstrained"]]), flush=True)

    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, weight_decay=1e-4)
    start = 0
    results = []
    if os.path.exists(ck_path):
        ck = common.torch_load_trusted(ck_path)
        meta = common.load_checkpoint(ck_path, model, opt)
        state.load(ck["state"])
        start = int(meta["epoch"])
        results = meta.get("results", [])
        log.truncate_after("epoch", start)
        print("[resume] from %s: %d of %d epochs done" % (ck_path, start, len(sched)), flush=True)
    else:
        log.truncate_after("epoch", 0)
    net = Surgery(model, state)
    step = 0
    for ei in range(start, len(sched)):
        phase, sidx, pe, lr = sched[ei]
        epoch = ei + 1
        for g in opt.param_groups:
            g["lr"] = lr
        if phase == "inq" and (ei == 0 or sched[ei - 1][:2] != (phase, sidx)):
            inq_quantize(model, state, fractions[sidx])
        gen = torch.Generator().manual_seed(a.seed * 100003 + epoch)
        net.train()
        timer = common.Timer()
        s_loss = s_ce = s_pen = 0.0
        correct = seen = 0
        ex, ey = tx8, ty
        if a.epoch_size and a.epoch_size < tx8.shape[0]:
            sub = torch.randperm(tx8.shape[0], generator=gen)[:a.epoch_size]
            ex, ey = tx8[sub], ty[sub]
        for bi, (xb, yb) in enumerate(data.batches(ex, ey, a.batch, generator=gen, shuffle=True)):
            if a.max_steps and bi >= a.max_steps:
                break
            if a.shift:
                xb = data.normalize(data.augment_crop_flip(xb, gen, pad=a.shift, flip=False), (data.MNIST_MEAN,), (data.MNIST_STD,))
            else:
                xb = data.normalize(xb, (data.MNIST_MEAN,), (data.MNIST_STD,))
            if phase == "dns" and pe < max(1, a.dns_epochs - 2) and bi % a.dns_every == 0:
                nb = math.ceil(ex.shape[0] / a.batch)
                ramp = min(1.0, (pe * nb + bi + 1) / max(1, a.dns_ramp_epochs * nb))
                dns_update(model, state, targets, ramp)
            act.penalties = []
            out = net(xb)
            pen = act.pop_penalty()
            ce = F.cross_entropy(out, yb)
            loss = ce + a.zeta * pen
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if phase == "inq":
                for n in LAYERS:
                    getattr(model, n).weight.grad[state.frozen[n] | (state.mask[n] == 0)] = 0.0
            opt.step()
            b = yb.shape[0]
            s_loss += float(loss) * b
            s_ce += float(ce) * b
            s_pen += float(pen) * b
            correct += int((out.argmax(1) == yb).sum())
            seen += b
            step += 1
        train_s = timer.lap()
        test_loss, test_acc, _ = common.evaluate(bake(model, state), vx, vy, batch_size=1000)
        sp, spl = sparsity(state)
        qf = sum(int((state.frozen[n] & (state.mask[n] > 0)).sum()) for n in LAYERS) / max(1, sum(int((state.mask[n] > 0).sum()) for n in LAYERS))
        row = dict(epoch=epoch, phase=phase, step=sidx, lr="%.5f" % lr, train_loss="%.5f" % (s_loss / seen), train_ce="%.5f" % (s_ce / seen),
                   train_penalty="%.4f" % (s_pen / seen), train_acc="%.5f" % (correct / seen), test_loss="%.5f" % test_loss,
                   test_acc="%.5f" % test_acc, sparsity="%.4f" % sp, sparsity_conv="%.4f" % spl["conv"], sparsity_fc1="%.4f" % spl["fc1"],
                   sparsity_fc2="%.4f" % spl["fc2"], quantized_fraction="%.4f" % qf, epoch_seconds="%.1f" % (train_s + timer.lap()))
        last_of_step = ei + 1 == len(sched) or sched[ei + 1][:2] != (phase, sidx)
        if last_of_step:
            label = "INQ %.1f%% pow2" % (100 * fractions[sidx]) if phase == "inq" else {"dense": "dense", "dns": "pruned (DNS)"}[phase]
            results.append({"after": label, "epoch": epoch, "test_acc": round(test_acc, 5), "sparsity": round(sp, 4),
                            "sparsity_per_layer": {k: round(v, 4) for k, v in spl.items()}, "quantized_fraction": round(qf, 4)})
        ck_tensors = state.tensors()
        common.save_checkpoint(ck_path, model, opt, {"epoch": epoch, "results": results, "args": vars(a)})
        ck = common.torch_load_trusted(ck_path)
        ck["state"] = ck_tensors
        common.save_atomic(ck, ck_path)
        log.append(row)
        common.plot_curves(log.path, os.path.join(a.out, "curves.png"), "MNIST CryptoNets-style: dense -> DNS -> INQ (pow2)",
                           test_label="MNIST t10k" if not a.test_limit else "first %d MNIST test images" % a.test_limit)
        print("[epoch %d/%d] %s%s lr %.4f | train loss %.4f acc %.2f%% | test acc %.2f%% | sparsity %.2f%% (conv %.1f%%, fc1 %.1f%%, fc2 %.1f%%) | pow2-quantised %.1f%% | %.1f s"
              % (epoch, len(sched), phase, "" if phase != "inq" else "[%s]" % fractions[sidx], lr, s_loss / seen, 100 * correct / seen, 100 * test_acc,
                 100 * sp, 100 * spl["conv"], 100 * spl["fc1"], 100 * spl["fc2"], 100 * qf, float(row["epoch_seconds"])), flush=True)
        if last_of_step:
            print("[step] after %s: test accuracy %.2f%%, sparsity %.2f%%" % (results[-1]["after"], 100 * test_acc, 100 * sp), flush=True)

    final = bake(model, state)
    _, acc, _ = common.evaluate(final, vx, vy, batch_size=1000)
    chk = pow2_check(model, state)
    print("[done] final test accuracy %.2f%% on %d MNIST test images; fraction of nonzero weights that are +-2^k: %s"
          % (100 * acc, vx.shape[0], chk), flush=True)
    if not a.no_export:
        export_mnist(final, a, fit, act, acc, results, chk, log.rows(), vx[:4])
    return acc


def export_mnist(model, a, fit, act, acc, results, chk, rows, check_inputs):
    import collections

    from .export import export_onnx, sha256, write_card

    path = os.path.join(a.out, a.name + ".onnx")
    rep = export_onnx(model, path, (1, 1, 28, 28), check_inputs=check_inputs)
    card = collections.OrderedDict()
    card["name"] = a.name
    card["architecture"] = ARCH_TEXT["cryptonets"]
    card["input"] = {"name": "input", "shape": [1, 1, 28, 28], "dtype": "float32",
                     "preprocessing": "pixels / 255, then (x - 0.1307) / 0.3081; NOT part of the graph"}
    card["output"] = {"name": "logits", "shape": [1, 10]}
    cs = [act.c2, act.c1, act.c0]
    if a.dense_only:
        formula = "%.6g*x^2 + %.6g*x + %.6g" % tuple(cs)
        derivation = "unconstrained least-squares fit to ReLU on 400 points of [-%g, %g] (training/activation.py quadratic_fit_unconstrained)" % (a.act_range, a.act_range)
    else:
        formula = " + ".join("%s%s" % (p, t) for p, t in zip(fit["pow2"], ["*x^2", "*x", ""]))
        derivation = "least-squares fit to ReLU on 400 points of [-%g, %g] with every coefficient 0 or +-2^k (k in [-10, 2]), exhaustive search (training/activation.py quadratic_fit_pow2); unconstrained fit %s" % (a.act_range, a.act_range, [round(v, 4) for v in fit["unconstrained"]])
    card["activation"] = {
        "formula": formula,
        "coefficients": {"c2": cs[0], "c1": cs[1], "c0": cs[2]},
        "derivation": derivation,
        "training_clamp": "p(clamp(x, -%g, %g)) in training only, range penalty zeta=%g" % (a.act_range, a.act_range, a.zeta),
        "onnx_pattern": "t1=Mul(x,x); t2=Mul(t1,c2); t3=Mul(x,c1); t4=Add(t2,t3); y=Add(t4,c0)",
    }
    card["training"] = {
        "command": ("/usr/bin/python3 -m training.mnist --out %s --seed %d --dense-only --dense-epochs %d --batch %d --lr %g --shift %d" % (
            a.out, a.seed, a.dense_epochs, a.batch, a.lr, a.shift) if a.dense_only else
            "/usr/bin/python3 -m training.mnist --out %s --seed %d --dense-epochs %d --dns-epochs %d --dns-ramp-epochs %d --inq-epochs %d --sparsity %s --batch %d --lr %g --shift %d" % (
            a.out, a.seed, a.dense_epochs, a.dns_epochs, a.dns_ramp_epochs, a.inq_epochs, a.sparsity, a.batch, a.lr, a.shift)) + (" --epoch-size %d" % a.epoch_size if a.epoch_size else ""),
        "data": "MNIST train-images-idx3-ubyte (60,000), %s; %s" % ("random translation up to %d pixels" % a.shift if a.shift else "no augmentation","each epoch a fresh seeded random subset of %d images" % a.epoch_size if a.epoch_size else "each epoch all images"),
        "steps": "dense %d epochs only (baseline: no pruning, no quantisation)" % a.dense_epochs if a.dense_only else "dense %d epochs -> dynamic network surgery %d epochs (target sparsity conv/fc1/fc2 = %s) -> INQ to signed powers of two, fractions %s, %d epochs each" % (a.dense_epochs, a.dns_epochs, a.sparsity, a.inq_fractions, a.inq_epochs),
        "seed": a.seed,
        "epochs": len(rows),
        "epoch_seconds": [float(r["epoch_seconds"]) for r in rows],
        "biases": "real-valued (plaintext additions)",
        "torch": torch.__version__,
    }
    card["accuracy"] = {"test_set": "MNIST t10k (10,000 images)" if check_inputs is not None and a.test_limit is None else "first %s MNIST test images" % a.test_limit,
                        "after_each_step": results, "final_quadratic_plaintext": round(acc, 5),
                        "nonzero_weights_that_are_pow2": chk,
                        "encrypted": "pending: measured by hecnn eval, listed in docs/models.md"}
    card["onnx"] = dict(rep, file=os.path.basename(path), sha256=sha256(path), bytes=os.path.getsize(path),
                        settings="model.eval(); torch.onnx.export(opset_version=13, training=TrainingMode.PRESERVE, do_constant_folding=False), batch 1; masked and quantised weights baked in (pruned weights are stored as 0)")
    write_card(card, a.out, a.name)
    print("[export] %s; nodes %s" % (path, rep["nodes"]), flush=True)


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
