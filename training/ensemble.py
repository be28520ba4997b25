"""Accuracy of each member and of the softmax average of several CIFAR-10 runs (same architecture).

  /usr/bin/python3 -m training.ensemble --runs training/runs/resnet20_q_s11 training/runs/resnet20_q_s12 ... \
      [--json models/resnet20_ensemble.json]

Every member is evaluated in eval mode (plain polynomial, no clamp) on the 500 lossless test images, or with
`--split val` on the validation split (the 5,170 lossless training images; choose members there, measure the test
images once); the ensemble prediction is the argmax of the mean of the members' softmax probabilities (what the
client computes after decrypting the M logit vectors, method A.10).
"""
import argparse

import torch

from . import common, data


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", nargs="+", required=True)
    p.add_argument("--data", default=data.DEFAULT_DATA)
    p.add_argument("--json", default=None)
    p.add_argument("--split", default="test", choices=["test", "val"])
    a = p.parse_args(argv)
    common.set_threads()
    if a.split == "val":
        _, (x8, y), _ = data.load_cifar_validation_split(a.data)
        where = "the 5,170 validation images (lossless training images)"
    else:
        x8, y = data.load_cifar_test(a.data)
        where = "the 500 lossless test images"
    x = data.normalize(x8, data.CIFAR_MEAN, data.CIFAR_STD)
    probs, members = [], []
    for run in a.runs:
        m, meta = common.load_run_model(run)
        _, acc, logits = common.evaluate(m, x, y)
        probs.append(torch.softmax(logits.double(), 1))
        members.append({"run": run, "seed": meta["args"]["seed"], "epochs": meta["epoch"], a.split + "_acc": round(acc, 4)})
        print("[member] %s seed %d, %d epochs: %.2f%%" % (run, meta["args"]["seed"], meta["epoch"], 100 * acc), flush=True)
    avg = torch.stack(probs).mean(0)
    ens = float((avg.argmax(1) == y).double().mean())
    print("[ensemble] softmax average of %d models: %.2f%% on %s" % (len(probs), 100 * ens, where), flush=True)
    if a.json:
        common.write_json({a.split + "_set": where, "members": members, "softmax_average_acc": round(ens, 4),
                           "command": "/usr/bin/python3 -m training.ensemble --split " + a.split + " --runs "
                           + " ".join(a.runs)}, a.json)
    return ens


if __name__ == "__main__":
    main()
