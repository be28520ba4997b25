"""Certify the value range of a CIFAR model on every image we have, and record it where the compiler reads it.

  /usr/bin/python3 -m training.certify --onnx models/resnet20_quad.onnx [--card models/resnet20_quad.card.json]

The model is rebuilt in PyTorch from the ONNX file's own initializers (checked against the NumPy reference
evaluator), then run in inference form (the plain polynomial, no clamp) over the 50,000 JPEG training images, the
5,170 lossless training images, the 500 lossless test images and those 500 again after JPEG q75 compression. Per
activation site (in graph order) it records the largest |pre-activation| and the fraction outside the fitted
interval [-2, 2]; it also records the largest |logit| and every image whose output is NaN, infinite or huge.

It writes the result into the model card (section "range") and into the ONNX file's metadata_props (keys
hecnn.range.*), which the Java importer reads: the compiler sizes the output headroom for it and the client refuses
a decrypted result outside it. A model with any non-finite output is NOT certified: the tool says which images,
writes "certified": false into the card, removes any old certificate from the ONNX file, and exits with status 1.
Only the test images' accuracy is never printed here: this tool measures ranges, not accuracy.
"""
import argparse
import io
import json
import os

import numpy as np
import torch

from . import common, data
from .activation import ChannelQuadAct, ChannelQuadFamily, QuadAct
from .models import build_model
from .train import make_activation

INTERVAL = 2.0
# a |logit| beyond this counts as a blow-up like a non-finite one: trained models stay below ~50, and the default
# encrypted plan represents at most 2^7
HUGE = 1e3
META_PREFIX = "hecnn.range."


def model_from_onnx(path):
    """(torch model in eval mode, architecture name, 'shared' or 'channel') rebuilt from the ONNX initializers."""
    import onnx
    from onnx import numpy_helper

    from . import onnx_ref

    m = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    convs = sum(1 for n in m.graph.node if n.op_type == "Conv")
    arch = {19: "resnet20", 31: "resnet32"}.get(convs)
    if arch is None:
        raise SystemExit("%s: %d Conv nodes; only the 16/32/64 ResNet-20 (19) and ResNet-32 (31) are certified here" % (path, convs))
    kind = "channel" if any(k.endswith(".a") and ".act" in "." + k for k in inits) else "shared"
    act, fit = make_activation(kind)
    model = build_model(arch, act)
    sd = model.state_dict()
    missing = [k for k in sd if k not in inits and not k.endswith("num_batches_tracked")]
    if missing:
        raise SystemExit("%s: initializers missing for %s" % (path, missing[:5]))
    model.load_state_dict({k: torch.from_numpy(np.array(inits[k])).reshape(sd[k].shape) if k in inits else sd[k] for k in sd})
    if kind == "shared":
        scalars = {round(float(v), 9) for k, v in inits.items() if np.ndim(v) == 0 and "/act" in k}
        if not scalars <= {round(c, 9) for c in fit["coefficients"]}:
            raise SystemExit("%s: activation constants %s are not the recipe's fit %s" % (path, sorted(scalars), fit["coefficients"]))
    model.eval()
    x = data.normalize(data.load_cifar_test()[0][:2], data.CIFAR_MEAN, data.CIFAR_STD)
    with torch.no_grad():
        ours = model(x).double().numpy()
    ref = np.concatenate([onnx_ref.run(m, {"input": x[i:i + 1].numpy()})["logits"] for i in range(2)])
    if np.max(np.abs(ours - ref)) > 1e-4 * max(1.0, np.max(np.abs(ref))):
        raise SystemExit("%s: the rebuilt PyTorch model disagrees with the ONNX graph (%.3g)" % (path, np.max(np.abs(ours - ref))))
    return model, arch, kind


class SiteRecorder:
    """Per activation call site (in call order within one forward): max |x|, count outside [-r, r], count."""

    def __init__(self, model):
        self.mods = [m for m in model.modules() if isinstance(m, (QuadAct, ChannelQuadAct))]
        self.hooks = [m.register_forward_pre_hook(self.hook) for m in self.mods]
        self.call = 0
        self.max_abs, self.outside, self.count = [], [], []
        self.batch_max = None

    def start_batch(self, n):
        self.call = 0
        self.batch_max = torch.zeros(n, dtype=torch.float64)

    def hook(self, mod, inp):
        x = inp[0].detach()
        if self.call == len(self.max_abs):
            self.max_abs.append(0.0)
            self.outside.append(0)
            self.count.append(0)
        a = x.abs()
        per_image = torch.nan_to_num(a.flatten(1).max(dim=1).values.double(), nan=float("inf"))
        self.batch_max = torch.maximum(self.batch_max, per_image)
        self.max_abs[self.call] = max(self.max_abs[self.call], float(per_image.max()))
        self.outside[self.call] += int((~(a <= INTERVAL)).sum())
        self.count[self.call] += a.numel()
        self.call += 1

    def close(self):
        for h in self.hooks:
            h.remove()


def jpeg_q75(x8):
    """The images after a JPEG q75 round trip (PIL), like the training JPEGs."""
    from PIL import Image

    out = np.empty_like(x8.numpy())
    for i, img in enumerate(x8.numpy()):
        buf = io.BytesIO()
        Image.fromarray(img.transpose(1, 2, 0)).save(buf, format="JPEG", quality=75)
        out[i] = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB")).transpose(2, 0, 1)
    return torch.from_numpy(out)


def sources(data_dir):
    test_x, test_y = data.load_cifar_test(data_dir)
    return [("train_jpeg_q75", data.load_cifar_train(data_dir, "jpeg")[0]),
            ("train_lossless", data.load_cifar_train_lossless(data_dir)[0]),
            ("test_lossless", test_x),
            ("test_lossless_as_jpeg_q75", jpeg_q75(test_x))]


@torch.no_grad()
def measure(model, data_dir, batch=500):
    rec = SiteRecorder(model)
    logit_max, per_source, bad, worst = 0.0, {}, [], []
    for name, x8 in sources(data_dir):
        n_bad = 0
        for i in range(0, x8.shape[0], batch):
            xb = data.normalize(x8[i:i + batch], data.CIFAR_MEAN, data.CIFAR_STD)
            rec.start_batch(xb.shape[0])
            out = model(xb).double()
            a = out.abs().max(dim=1).values
            finite = torch.isfinite(a) & (a < HUGE)
            for j in (~finite).nonzero().flatten().tolist():
                bad.append({"source": name, "index": i + j, "max_abs_logit": float(a[j])})
                n_bad += 1
            if finite.any():
                logit_max = max(logit_max, float(a[finite].max()))
            for j in torch.topk(rec.batch_max, min(3, xb.shape[0])).indices.tolist():
                worst.append({"source": name, "index": i + j, "max_abs_preactivation": round(float(rec.batch_max[j]), 4)})
            worst = sorted(worst, key=lambda w: -w["max_abs_preactivation"])[:8]
        per_source[name] = {"images": int(x8.shape[0]), "non_finite_or_huge": n_bad}
        print("[certify] %s: %d images, %d non-finite or |logit| >= %g" % (name, x8.shape[0], n_bad, HUGE), flush=True)
    rec.close()
    sites = [{"site": k, "max_abs": round(m, 4), "fraction_outside": float("%.3g" % (o / max(1, c)))}
             for k, (m, o, c) in enumerate(zip(rec.max_abs, rec.outside, rec.count))]
    return {
        "interval": [-INTERVAL, INTERVAL],
        "images": per_source,
        "images_total": sum(v["images"] for v in per_source.values()),
        "sites": sites,
        "activation_input_max_abs": max(s["max_abs"] for s in sites),
        "fraction_outside_overall": float("%.3g" % (sum(rec.outside) / max(1, sum(rec.count)))),
        "logits_max_abs": round(logit_max, 4),
        "non_finite_or_huge_images": bad,
        "largest_preactivation_images": worst,
        "certified": not bad,
    }


def write_metadata(path, rng):
    """Store (or, when not certified, remove) the hecnn.range.* metadata in the ONNX file, atomically."""
    import onnx

    m = onnx.load(path)
    keep = [p for p in m.metadata_props if not p.key.startswith(META_PREFIX)]
    del m.metadata_props[:]
    m.metadata_props.extend(keep)
    if rng["certified"]:
        for k, v in (("images", str(rng["images_total"])),
                     ("sources", ",".join("%s:%d" % (s, v["images"]) for s, v in rng["images"].items())),
                     ("activation_input_max_abs", ",".join(repr(s["max_abs"]) for s in rng["sites"])),
                     ("output_max_abs", repr(rng["logits_max_abs"]))):
            e = m.metadata_props.add()
            e.key, e.value = META_PREFIX + k, v
    onnx.checker.check_model(m)
    tmp = path + ".tmp"
    onnx.save(m, tmp)
    os.replace(tmp, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--onnx", required=True)
    p.add_argument("--card", default=None, help="model card to update (default: <onnx without .onnx>.card.json if it exists)")
    p.add_argument("--data", default=data.DEFAULT_DATA)
    a = p.parse_args(argv)
    common.set_threads()
    model, arch, kind = model_from_onnx(a.onnx)
    print("[certify] %s: %s with %s activations" % (a.onnx, arch, "per-channel trainable" if kind == "channel" else "one shared"), flush=True)
    rng = measure(model, a.data)
    write_metadata(a.onnx, rng)
    card_path = a.card or (a.onnx[:-5] + ".card.json" if a.onnx.endswith(".onnx") else None)
    if card_path and os.path.exists(card_path):
        from .export import card_markdown, sha256

        card = json.load(open(card_path))
        card["range"] = rng
        card["onnx"]["sha256"] = sha256(a.onnx)
        card["onnx"]["bytes"] = os.path.getsize(a.onnx)
        common.write_json(card, card_path)
        with open(card_path[:-5] + ".md", "w") as f:
            f.write(card_markdown(card))
        print("[certify] card %s updated" % card_path, flush=True)
    print("[certify] largest |pre-activation| %.3f (fraction outside [-2, 2] %.3g), largest |logit| %.3f over %d images: %s"
          % (rng["activation_input_max_abs"], rng["fraction_outside_overall"], rng["logits_max_abs"], rng["images_total"],
             "CERTIFIED" if rng["certified"] else "NOT certified: %d images give non-finite or huge outputs, e.g. %s"
             % (len(rng["non_finite_or_huge_images"]), rng["non_finite_or_huge_images"][:3])), flush=True)
    return 0 if rng["certified"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
