"""Shared helpers: seeding, checkpoints with resume, CSV log, plots, evaluation."""
import csv
import json
import os
import random
import time

import numpy as np
import torch


def set_threads(n=None):
    n = n or int(os.environ.get("HECNN_TORCH_THREADS", "2"))
    torch.set_num_threads(n)


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def device_of(arg):
    if arg == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(arg)


def torch_load_trusted(path):
    """Load a checkpoint this recipe wrote itself (tensors, numbers, strings, dicts only)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # very old torch without weights_only
        return torch.load(path, map_location="cpu")


def save_checkpoint(path, model, opt, meta):
    """Tensors go into a torch.save file, every number/string into a JSON string, so that the file loads with
    torch.load(weights_only=True) (torch 1.13's restricted unpickler rejects plain Python floats)."""
    osd = opt.state_dict() if opt is not None else {"state": {}, "param_groups": []}
    obj = {
        "model": model.state_dict(),
        "opt_state": {str(k): v for k, v in osd["state"].items()},
        "torch_rng": torch.get_rng_state(),
        "meta": json.dumps({"meta": meta, "param_groups": osd["param_groups"]}),
    }
    save_atomic(obj, path)


def load_checkpoint(path, model, opt=None):
    ck = torch_load_trusted(path)
    model.load_state_dict(ck["model"])
    m = json.loads(ck["meta"])
    if opt is not None:
        opt.load_state_dict({"state": {int(k): v for k, v in ck["opt_state"].items()}, "param_groups": m["param_groups"]})
        torch.set_rng_state(ck["torch_rng"])
    return m["meta"]


def load_run_model(run):
    """The model of a CIFAR run folder written by training.train, with its checkpoint metadata."""
    from .models import build_model
    from .train import make_activation

    meta = json.loads(torch_load_trusted(os.path.join(run, "checkpoint.pt"))["meta"])["meta"]
    act, _ = make_activation(meta["args"].get("act", "shared"), meta["args"].get("train_clamp", "on") == "on")
    model = build_model(meta["args"]["model"], act)
    load_checkpoint(os.path.join(run, "checkpoint.pt"), model)
    return model, meta


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def write_json(obj, path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)


class CsvLog:
    def __init__(self, path, fields):
        self.path, self.fields = path, fields

    def rows(self):
        if not os.path.exists(self.path):
            return []
        with open(self.path) as f:
            return list(csv.DictReader(f))

    def truncate_after(self, key, value):
        """On resume keep only rows with row[key] <= value (drops rows of an epoch that did not checkpoint)."""
        rows = [r for r in self.rows() if float(r[key]) <= value]
        with open(self.path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=self.fields)
            w.writeheader()
            for r in rows:
                w.writerow({k: r.get(k, "") for k in self.fields})

    def append(self, row):
        new = not os.path.exists(self.path)
        with open(self.path, "a", newline="") as f:
            w = csv.DictWriter(f, fieldnames=self.fields)
            if new:
                w.writeheader()
            w.writerow({k: row.get(k, "") for k in self.fields})


def plot_curves(csv_path, png_path, title, x="epoch", test_label="500 lossless"):
    """Loss, accuracy and range panels of a run's log.csv. Runs with a validation split plot the validation set
    (their logs have no test columns)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return
    ev, ev_label = ("val", "validation: 5,170 lossless training images") if rows[0].get("val_acc") else ("test", "test: " + test_label)

    def col(key, default=float("nan")):
        return [float(r[key]) if r.get(key) not in (None, "", "nan") else default for r in rows]

    has_pen = "train_penalty" in rows[0]
    fig, axes = plt.subplots(1, 3 if has_pen else 2, figsize=(15 if has_pen else 10, 4))
    xs = col(x)
    ax = axes[0]
    for key, label in (("train_loss", "train loss (fit term + penalty)"), ("train_ce", "train CE"),
                       (ev + "_loss", ev_label + " CE (clipped at 100 = overflow)")):
        ax.plot(xs, [min(100.0, v) for v in col(key, 100.0)], marker="o", label=label)
    ax.set_xlabel(x)
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax = axes[1]
    for key, label in (("train_acc", "train accuracy (augmented, training-mode activation)"), (ev + "_acc", ev_label)):
        ax.plot(xs, [100 * v for v in col(key)], marker="o", label=label)
    ax.set_xlabel(x)
    ax.set_ylabel("accuracy (%)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    if has_pen:
        ax = axes[2]
        ax.plot(xs, col("train_penalty"), marker="o", label="mean ||x - clamp(x)||_2 per activation (train)")
        if rows[0].get(ev + "_frac_out_of_range") not in (None, ""):
            ax.plot(xs, [max(1e-8, v) for v in col(ev + "_frac_out_of_range")], marker="s",
                    label="fraction of %s pre-activations outside [-2, 2]" % ev)
        if any(r.get("alpha") not in (None, "", "0.0000") for r in rows):
            ax.plot(xs, [max(1e-8, v) for v in col("alpha", 0.0)], marker="^", label="alpha (ReLU share, training)")
        ax.set_yscale("log")
        ax.set_xlabel(x)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)


@torch.no_grad()
def evaluate(model, x, y, batch_size=250, device="cpu"):
    """Eval mode (no clamp): (cross-entropy, accuracy, logits)."""
    model.eval()
    logits = []
    for i in range(0, x.shape[0], batch_size):
        logits.append(model(x[i:i + batch_size].to(device)).float().cpu())
    logits = torch.cat(logits)
    loss = torch.nn.functional.cross_entropy(logits, y).item()
    acc = (logits.argmax(1) == y).float().mean().item()
    return loss, acc, logits


class Timer:
    def __init__(self):
        self.t = time.time()

    def lap(self):
        now = time.time()
        d, self.t = now - self.t, now
        return d
