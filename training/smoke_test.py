#!/usr/bin/env python3
"""Smoke test of the training recipe: a few steps on a handful of images, resume, ONNX export, file checks.

  /usr/bin/python3 training/smoke_test.py [--data ../shared/data]

Prints one line per check and 'N passed, N failed' as its last line; exit status 1 if any check failed.
Exits 0 with a SKIP message when torch (or onnx) is not importable. Checks that need the shared data skip
(counted as passed, with a message naming the missing path) when it is absent. Runs in well under 60 s on two
idle cores.
"""
import json
import os
import pickle
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)

try:
    import torch  # noqa: F401
except Exception as e:  # pragma: no cover
    print("SKIP: torch is not importable (%s); install python3-torch (Debian) or PyTorch and use that python" % e)
    print("0 passed, 0 failed")
    sys.exit(0)
try:
    import onnx  # noqa: F401
except Exception as e:  # pragma: no cover
    print("SKIP: onnx is not importable (%s); install python3-onnx (Debian) or the onnx package" % e)
    print("0 passed, 0 failed")
    sys.exit(0)

import numpy as np
import torch

from training import data

DATA = data.DEFAULT_DATA
if "--data" in sys.argv:
    DATA = sys.argv[sys.argv.index("--data") + 1]
torch.set_num_threads(2)
results = []


def check(name, needs=None):
    def deco(fn):
        t = time.time()
        if needs is not None and not os.path.exists(os.path.join(DATA, needs)):
            print("SKIP %s: missing %s" % (name, os.path.join(DATA, needs)))
            results.append(True)
            return fn
        try:
            msg = fn()
            print("PASS %s (%.1f s)%s" % (name, time.time() - t, "" if not msg else ": " + msg))
            results.append(True)
        except Exception:
            print("FAIL %s" % name)
            traceback.print_exc()
            results.append(False)
        return fn

    return deco


@check("activation coefficients computed")
def _():
    from training.activation import quadratic_fit_grid, quadratic_fit_pow2

    g = quadratic_fit_grid(2.0, 400, 1024)
    assert g["numerators"] == [239, 512, 193], g
    p = quadratic_fit_pow2(4.0, 400)
    assert p["pow2"] == ["2^-3", "2^-1", "2^-2"], p
    return "grid %s/1024, pow2 %s" % (g["numerators"], p["pow2"])


@check("restricted unpickler refuses other globals")
def _():
    import io

    from training.legacy_load import RestrictedUnpickler, restricted_load_bytes

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    for payload in (pickle.dumps(Evil(), protocol=2), pickle.dumps(np.float32, protocol=2)):
        try:
            RestrictedUnpickler(io.BytesIO(payload)).load()
            raise AssertionError("a pickle naming another global was accepted")
        except pickle.UnpicklingError as e:
            assert "not allowed" in str(e)
    # legacy torch.save files written by a current torch name torch._utils._rebuild_tensor_v2 (not on the list),
    # and one holding a module names torch.nn.modules...: both must be refused
    for obj in (torch.nn.Linear(2, 2).state_dict(), {"m": torch.nn.ReLU()}):
        buf = io.BytesIO()
        torch.save(obj, buf, _use_new_zipfile_serialization=False)
        try:
            restricted_load_bytes(buf.getvalue())
            raise AssertionError("legacy file naming another global was accepted")
        except pickle.UnpicklingError as e:
            assert "not allowed" in str(e)
    return "os.system, numpy.float32, torch._utils._rebuild_tensor_v2 and torch.nn.ReLU refused"


@check("akamaster ResNet-20 loads and classifies", needs="weights/akamaster/resnet20-12fca82f.th")
def _():
    from training.activation import ReLUAct
    from training.legacy_load import load_akamaster_state_dict
    from training.models import build_model

    sd, prec = load_akamaster_state_dict(os.path.join(DATA, "weights/akamaster/resnet20-12fca82f.th"))
    m = build_model("resnet20", ReLUAct())
    m.load_state_dict(sd)
    m.eval()
    x, y = data.load_cifar_test(DATA)
    with torch.no_grad():
        acc = (m(data.normalize(x[:100], data.CIFAR_MEAN, data.CIFAR_STD)).argmax(1) == y[:100]).float().mean().item()
    assert acc > 0.85, acc
    return "ReLU accuracy on the first 100 lossless test images %.0f%%" % (100 * acc)


@check("CIFAR binary, JPEG tar and MNIST IDX loaders", needs="cifar10/train_jpeg_q75.tar")
def _():
    x, y = data.load_cifar_test(DATA)
    assert x.shape == (500, 3, 32, 32) and y[:10].tolist() == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]
    jx, jy = data.load_cifar_jpeg_tar(os.path.join(DATA, "cifar10/train_jpeg_q75.tar"), data.class_names(DATA), limit=20, cache=False)
    assert jx.shape == (20, 3, 32, 32) and sorted(set(jy.tolist())) == list(range(10))
    mx, my = data.load_mnist(DATA, "test")
    assert mx.shape == (10000, 1, 28, 28) and my.shape == (10000,)
    g = torch.Generator().manual_seed(0)
    a = data.augment_crop_flip(x[:8], g)
    assert a.shape == x[:8].shape and a.dtype == torch.uint8
    return "500 test images, 20 JPEGs, 10000 MNIST test images"


@check("ResNet-20 quadratic: train, resume, export", needs="cifar10/train_lossless_5170.bin")
def _():
    import onnx

    from training import train

    with tempfile.TemporaryDirectory() as d:
        base = ["--model", "resnet20", "--out", d, "--data", DATA, "--train-source", "lossless", "--limit", "64",
                "--max-steps", "2", "--batch", "32", "--name", "smoke", "--test-limit", "50"]
        train.main(base + ["--epochs", "1", "--no-export"])
        train.main(base + ["--epochs", "2"])  # resumes at epoch 2, then exports
        rows = open(os.path.join(d, "log.csv")).read().strip().splitlines()
        assert len(rows) == 3, rows
        path = os.path.join(d, "smoke.onnx")
        m = onnx.load(path)
        onnx.checker.check_model(m)
        ops = [n.op_type for n in m.graph.node]
        assert ops.count("BatchNormalization") == 19 and ops.count("Conv") == 19 and ops.count("Mul") == 57, ops
        assert set(ops) <= {"Conv", "BatchNormalization", "Mul", "Add", "Slice", "Pad", "AveragePool", "Flatten", "Gemm"}, set(ops)
        assert os.path.exists(os.path.join(d, "smoke.card.json")) and os.path.exists(os.path.join(d, "curves.png"))
        return "2 epochs x 2 steps, resumed once, ONNX %d bytes" % os.path.getsize(path)


@check("per-channel activations: one shared x^2 coefficient by exact reparametrisation")
def _():
    from training.curvature import check_same_function, share_curvature
    from training.models import build_model
    from training.train import make_activation

    torch.manual_seed(5)
    act, fit = make_activation("channel")
    m = build_model("resnet20", act)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_var.uniform_(0.5, 2.0)
                mod.running_mean.normal_(0, 0.3)
                mod.weight.uniform_(0.05, 0.2)  # small inputs keep an untrained polynomial network finite
        for site in act.members:
            site.a.uniform_(0.1, 0.4)
            site.b.uniform_(0.3, 0.7)
            site.k.uniform_(0.1, 0.3)
    m.eval()
    x = torch.randn(8, 3, 32, 32)
    with torch.no_grad():
        before = m(x)
    share_curvature(m, fit["coefficients"][0])
    with torch.no_grad():
        after = m(x)
    err = check_same_function(before, after)
    assert all(bool((site.a == fit["coefficients"][0]).all()) for site in act.members)
    with torch.no_grad():
        act.members[3].a[0] = -0.1
        before = m(x)
    share_curvature(m, fit["coefficients"][0])
    with torch.no_grad():
        check_same_function(before, m(x))
    assert float(act.members[3].a[0]) == -fit["coefficients"][0], "a negative coefficient keeps its sign"
    with torch.no_grad():
        act.members[5].a[1] = 0.0
    try:
        share_curvature(m, fit["coefficients"][0])
        raise AssertionError("a zero coefficient was accepted")
    except ValueError as e:
        assert "zero" in str(e), e
    return "19 sites, largest logit change %.1e; a negative coefficient keeps its sign, a zero one is refused" % err


@check("per-channel run on the validation split: trains, exports with one shared x^2 coefficient",
       needs="cifar10/train_jpeg_q75.tar")
def _():
    import onnx
    from onnx import numpy_helper

    from training import export, train

    with tempfile.TemporaryDirectory() as d:
        # pre-activations scaled by 0.1 keep the untrained quadratic network finite, so export can check the
        # reparametrisation against it
        train.main(["--model", "resnet20", "--out", d, "--data", DATA, "--limit", "64", "--max-steps", "2", "--batch",
                    "32", "--name", "pc", "--epochs", "1", "--act", "channel", "--train-clamp", "off", "--lr", "1e-4",
                    "--prescale", "0.1", "--blend-epochs", "4", "--val-split", "lossless", "--test-limit", "50",
                    "--no-penalty-warmup"])
        rows = open(os.path.join(d, "log.csv")).read().strip().splitlines()
        assert len(rows) == 2 and rows[0].split(",").count("val_acc") == 1, rows
        export.main(["--run", d, "--data", DATA])
        m = onnx.load(os.path.join(d, "pc.onnx"))
        a = [numpy_helper.to_array(t) for t in m.graph.initializer if t.name.endswith(".a")]
        assert len(a) == 19 and all(np.allclose(np.abs(v), 239 / 1024) for v in a), [v.ravel()[:3] for v in a]
        card = json.load(open(os.path.join(d, "pc.card.json")))
        assert card["training"]["validation"].startswith("the 5,170 lossless"), card["training"]["validation"]
        return "log with val_acc, 19 sites exported at a = +-239/1024"


@check("--stop-after-minutes ends after a saved epoch and the same command continues", needs="cifar10/train_lossless_5170.bin")
def _():
    from training import train

    with tempfile.TemporaryDirectory() as d:
        cmd = ["--model", "resnet20", "--out", d, "--data", DATA, "--train-source", "lossless", "--limit", "32",
               "--max-steps", "1", "--batch", "16", "--test-limit", "20", "--epochs", "3", "--no-export",
               "--stop-after-minutes", "0"]
        results = [train.main(cmd) for _ in range(3)]
        assert results[0] is None and results[1] is None and isinstance(results[2], float), results
        rows = open(os.path.join(d, "log.csv")).read().strip().splitlines()
        assert len(rows) == 4, rows
        return "3 calls: stopped after epochs 1 and 2, finished at 3"


@check("JPEG pack for the GPU machine decodes to the tar's images", needs="cifar10/train_jpeg_q75.tar")
def _():
    from training import pack_data

    with tempfile.TemporaryDirectory() as d:
        pack_data.main(["--data", DATA, "--out", d])
        assert not os.path.exists(os.path.join(d, "cifar10", "train_jpeg_q75.tar"))
        px, py = data.load_cifar_train(d, "jpeg", limit=40)
        tx, ty = data.load_cifar_jpeg_tar(os.path.join(DATA, "cifar10/train_jpeg_q75.tar"), data.class_names(DATA),
                                          limit=40, cache=False)
        assert torch.equal(px, tx) and torch.equal(py, ty), "pack and tar differ"
        size = sum(os.path.getsize(os.path.join(d, "cifar10", f)) for f in os.listdir(os.path.join(d, "cifar10")))
        assert size < 50e6, "the packed folder (%.1f MB) must leave room in a 64 MiB carry" % (size / 1e6)
        return "40 images identical; packed folder %.1f MB" % (size / 1e6)


@check("model soup: two seeded runs averaged, exported with a card", needs="cifar10/train_lossless_5170.bin")
def _():
    import onnx
    from onnx import numpy_helper

    from training import common, soup, train

    with tempfile.TemporaryDirectory() as d:
        runs = []
        for seed in (1, 2):
            out = os.path.join(d, "run%d" % seed)
            train.main(["--model", "resnet20", "--out", out, "--data", DATA, "--train-source", "lossless", "--limit", "32",
                        "--max-steps", "1", "--batch", "16", "--name", "smoke_s%d" % seed, "--test-limit", "20",
                        "--epochs", "1", "--seed", str(seed), "--no-penalty-warmup"])
            runs.append(out)
        soup.main(["--runs"] + runs + ["--out", os.path.join(d, "soup"), "--name", "smoke_soup", "--data", DATA])
        card = json.load(open(os.path.join(d, "soup", "smoke_soup.card.json")))
        assert [i["seed"] for i in card["training"]["ingredients"]] == [1, 2], card["training"]
        m = onnx.load(os.path.join(d, "soup", "smoke_soup.onnx"))
        onnx.checker.check_model(m)
        w = [common.torch_load_trusted(os.path.join(r, "checkpoint.pt"))["model"]["linear.weight"].numpy() for r in runs]
        assert not np.array_equal(w[0], w[1])
        exported = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}["linear.weight"]
        assert np.allclose(exported, (w[0] + w[1]) / 2, atol=1e-7), "the soup's linear layer is not the mean"
        return "soup of 2 one-step runs: %.1f%% (ingredients %s)" % (100 * card["accuracy"]["quadratic_plaintext"],
                                                                     card["accuracy"]["ingredients"])


@check("distillation from a ReLU teacher: loss on z-scored logits, one step, recorded in the card",
       needs="weights/akamaster/resnet20-12fca82f.th")
def _():
    import torch

    from training import train

    s = torch.randn(8, 10)
    # Standardised logits: a student matching the teacher up to scale and shift has no distillation loss.
    assert float(train.distillation_loss(s, 3 * s + 1, 1.0)) < 1e-5
    assert float(train.distillation_loss(s, torch.randn(8, 10), 1.0)) > 1e-2
    with tempfile.TemporaryDirectory() as d:
        train.main(["--model", "resnet20", "--out", d, "--data", DATA, "--train-source", "lossless", "--limit", "32",
                    "--max-steps", "1", "--batch", "16", "--name", "smoke_kd", "--test-limit", "20", "--epochs", "1",
                    "--teacher", "resnet20", "--kd-weight", "0.5"])
        card = json.load(open(os.path.join(d, "smoke_kd.card.json")))
        assert "--teacher resnet20 --kd-weight 0.5" in card["training"]["command"], card["training"]["command"]
        assert "teacher: the akamaster ReLU resnet20" in card["training"]["distillation"], card["training"]
        return "1 step with the ReLU ResNet-20 teacher; card: %s" % card["training"]["distillation"]


@check("MNIST CryptoNets: DNS + INQ steps, pow2 weights, export", needs="mnist/train-images-idx3-ubyte.gz")
def _():
    import onnx
    from onnx import numpy_helper

    from training import mnist

    with tempfile.TemporaryDirectory() as d:
        mnist.main(["--out", d, "--data", DATA, "--dense-epochs", "1", "--dns-epochs", "1", "--dns-ramp-epochs", "1",
                    "--inq-epochs", "1", "--inq-fractions", "0.5,1.0", "--limit", "256", "--test-limit", "200",
                    "--max-steps", "3", "--name", "smoke_mnist"])
        m = onnx.load(os.path.join(d, "smoke_mnist.onnx"))
        onnx.checker.check_model(m)
        for t in m.graph.initializer:
            if t.name.endswith("weight"):
                w = numpy_helper.to_array(t)
                nz = np.abs(w[w != 0])
                assert np.all(np.log2(nz) == np.round(np.log2(nz))), t.name
        return "all nonzero weights are +-2^k"


@check("wide ResNet-20 builds (64/128/256, 1x1 shortcuts, 2x2x256 head)")
def _():
    from training.activation import QuadAct
    from training.models import build_model

    m = build_model("wide_resnet20", QuadAct((0.25, 0.5, 0.125))).eval()
    with torch.no_grad():
        out = m(torch.zeros(1, 3, 32, 32))
    assert out.shape == (1, 10) and m.linear.in_features == 1024
    return "%d parameters" % sum(p.numel() for p in m.parameters())


@check("DP accountant matches published RDP values")
def _():
    import math

    from training.transfer import epsilon, noise_for_epsilon, rdp_sampled_gaussian

    q = 256 / 60000
    # Opacus' documented example: n 60,000, batch 256, noise 1.12, 60 epochs, delta 1e-5, orders {10, 20, 100} -> 2.95
    steps = int(60 / q)
    e = min(steps * rdp_sampled_gaussian(q, 1.12, a) + math.log(1e5) / (a - 1) for a in (10, 20, 100))
    assert abs(e - 2.95) < 0.02, e
    # Dong, Roth and Su's comparison (moments accountant): noise 1.3, 20 epochs -> 1.34
    e20, _ = epsilon(q, 1.3, int(20 / q), 1e-5)
    assert abs(e20 - 1.34) < 0.02, e20
    sigma = noise_for_epsilon(3.0, q, steps, 1e-5)
    assert epsilon(q, sigma, steps, 1e-5)[0] <= 3.0 < epsilon(q, sigma * 0.99, steps, 1e-5)[0]
    return "eps %.3f and %.3f; sigma %.3f for eps 3" % (e, e20, sigma)


@check("transfer learning: DP head trains and exports", needs="weights/akamaster/resnet20-12fca82f.th")
def _():
    import tempfile

    from training import transfer

    with tempfile.TemporaryDirectory() as d:
        rows = transfer.main(["--out", d, "--data", DATA, "--limit", "200", "--epochs", "2", "--batch", "50", "--epsilons", "3,inf"])
        assert len(rows) == 2 and os.path.exists(os.path.join(d, "cifar_head_eps3.onnx"))
        assert os.path.exists(os.path.join(d, "resnet20_relu_features.onnx"))
    return "accuracies %s" % [r["test_accuracy"] for r in rows]


passed = sum(results)
failed = len(results) - passed
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
