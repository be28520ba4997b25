"""Train or fine-tune a quadratic-activation CIFAR-10 ResNet (method part A).

  /usr/bin/python3 -m training.train --model resnet20 --out training/runs/resnet20_q

Fixed seeds, one progress line per epoch, a checkpoint after every epoch (<out>/checkpoint.pt) and automatic
resume from it, a CSV log (<out>/log.csv), a PNG of the curves (<out>/curves.png), and at the end the ONNX
export + model card (<out>/<name>.onnx, <out>/<name>.card.json, <out>/<name>.card.md).
Test accuracy is measured only on the 500 lossless test images (test_lossless_0-499.bin).
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn.functional as F

from . import common, data
from .activation import ChannelQuadFamily, QuadAct, ReLUAct, fraction_str, penalty_weight, quadratic_fit_grid
from .legacy_load import load_akamaster_state_dict
from .models import ARCH_TEXT, build_model

AKAMASTER = {"resnet20": "resnet20-12fca82f.th", "resnet32": "resnet32-d509ac18.th"}
FIELDS = ["epoch", "lr", "zeta_eff", "uses_ce", "train_loss", "train_ce", "train_penalty", "train_acc",
          "test_loss", "test_acc", "test_frac_out_of_range", "test_max_abs_preact", "epoch_seconds", "images",
          "alpha", "val_loss", "val_acc", "val_frac_out_of_range", "val_max_abs_preact", "train_frac_out_of_range",
          "train_tail", "val_blowups", "val_image_max_p999", "test_blowups", "test_image_max_p999", "train_adv_tail"]
# an evaluation image whose largest |pre-activation| exceeds this (or is not finite) counts as a blow-up
BLOWUP = 1e3


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="resnet20", choices=["resnet20", "resnet32", "wide_resnet20", "wide_resnet32"])
    p.add_argument("--out", required=True, help="run folder (checkpoint, log, plot, export)")
    p.add_argument("--data", default=data.DEFAULT_DATA, help="folder holding cifar10/ and weights/ (default ../shared/data)")
    p.add_argument("--init", default="auto", help="'akamaster' (fine-tune the ReLU checkpoint), 'scratch', a path to a legacy .th file, "
                   "or 'run:<folder>' (continue from another run's final checkpoint); 'auto' = akamaster when one exists for the model")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--lr-warmup-epochs", type=float, default=1.0, help="linear lr warm-up, then cosine to 0")
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--zeta", type=float, default=1e-3)
    p.add_argument("--no-penalty-warmup", action="store_true", help="skip the penalty-only first epoch schedule (use CE + zeta from epoch 1)")
    p.add_argument("--prescale", type=float, default=0.5,
                   help="before fine-tuning, rescale the ReLU network exactly (ReLU is positively homogeneous) so every "
                        "pre-activation is multiplied by this factor: fewer values outside [-2, 2] at the start (1 = off)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--train-source", default="jpeg+lossless", choices=["jpeg", "lossless", "jpeg+lossless"])
    p.add_argument("--limit", type=int, default=None, help="use only this many training images (smoke tests)")
    p.add_argument("--epoch-size", type=int, default=None,
                   help="images per epoch: a fresh seeded random subset of the training set every epoch (default: all); "
                        "shortens epochs on a busy CPU while keeping the per-epoch penalty warm-up and checkpoints")
    p.add_argument("--max-steps", type=int, default=None, help="stop each epoch after this many steps (smoke tests)")
    p.add_argument("--test-limit", type=int, default=None, help="evaluate on the first N lossless test images only (smoke tests)")
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--progress-every", type=int, default=50, help="a progress line every N steps (0: per epoch only)")
    p.add_argument("--no-export", action="store_true")
    p.add_argument("--stop-after-minutes", type=float, default=None,
                   help="end after the first epoch that finishes past this many minutes (checkpoint saved); the same "
                        "command continues the run (for machines lent by the call, such as the GPU machine's 10 minutes)")
    p.add_argument("--name", default=None, help="base name of the exported files (default: <model>_quad_s<seed>)")
    p.add_argument("--teacher", default=None, choices=sorted(AKAMASTER),
                   help="distil from this akamaster ReLU network (its logits on the same augmented batch)")
    p.add_argument("--kd-weight", type=float, default=0.9, help="weight of the distillation term (CE gets 1 - this); needs --teacher")
    p.add_argument("--kd-temp", type=float, default=1.0, help="softmax temperature of the distillation term (on z-scored logits); needs --teacher")
    p.add_argument("--act", default="shared", choices=["shared", "channel"],
                   help="'shared': the method's one fixed quadratic for every layer; 'channel': a trainable quadratic per "
                        "activation site and channel, initialised to the same fit")
    p.add_argument("--train-clamp", default="on", choices=["on", "off"],
                   help="evaluate p(clamp(x, -2, 2)) in training (the method) or the plain p(x) that inference uses")
    p.add_argument("--blend-epochs", type=float, default=0.0,
                   help="gradual replacement ('channel' only): activation alpha*ReLU + (1 - alpha)*p with alpha annealed "
                        "linearly from 1 to 0 over this many epochs, then pure p")
    p.add_argument("--val-split", default="none", choices=["none", "lossless"],
                   help="'lossless': validate every epoch on the 5,170 lossless training images and train on the JPEG images "
                        "minus their copies; the test images are then never evaluated by training")
    p.add_argument("--clip-grad", type=float, default=0.0, help="clip the gradient norm to this value (0: off)")
    p.add_argument("--clamp-bound", type=float, default=None,
                   help="with --train-clamp on: clamp training inputs to [-B, B] (default: the penalty interval, 2)")
    p.add_argument("--tail-weight", type=float, default=0.0,
                   help="weight of the tail term: mean over activation calls of the batch mean of max(0, max|x| - T)^2 "
                        "per image (needs --act channel; 0: off)")
    p.add_argument("--tail-bound", type=float, default=3.0, help="T of --tail-weight")
    p.add_argument("--adv-weight", type=float, default=0.0,
                   help="weight of the tail term on adversarially perturbed inputs (every --adv-every steps the batch is "
                        "moved by --adv-eps in the direction that most raises each image's worst pre-activation, and "
                        "the tail term of those inputs joins the loss): range safety on images near the training ones, "
                        "not only on them. Needs --tail-weight (its bound); 0: off")
    p.add_argument("--adv-eps", type=float, default=0.03, help="L-inf step of --adv-weight, in normalised input units")
    p.add_argument("--adv-every", type=int, default=2, help="the adversarial term on every k-th step")
    return p.parse_args(argv)


def prescale_relu_state_dict(sd, s):
    """Exact reparametrisation of a BN-ReLU ResNet (option-A shortcuts): every BN's gamma and beta times s, every BN
    that reads an already scaled tensor (all but the stem's bn1) gets running_mean*s and running_var*s^2, and the
    linear weight /s. With ReLU the logits are unchanged while every activation input is multiplied by s."""
    sd = dict(sd)
    for k in list(sd):
        if not (k.startswith("bn1.") or ".bn" in k):
            continue
        if k.endswith(".weight") or k.endswith(".bias"):
            sd[k] = sd[k] * s
        elif not k.startswith("bn1.") and k.endswith("running_mean"):
            sd[k] = sd[k] * s
        elif not k.startswith("bn1.") and k.endswith("running_var"):
            sd[k] = sd[k] * (s * s)
    sd["linear.weight"] = sd["linear.weight"] / s
    return sd


def make_activation(kind="shared", clamp=True, clamp_bound=None, tail_bound=None):
    """The activation of a run: the shared QuadAct, or a ChannelQuadFamily (one trainable quadratic per site)."""
    fit = quadratic_fit_grid(2.0, 400, 1024)
    if kind == "channel":
        return ChannelQuadFamily(fit["coefficients"], r=2.0, clamp=clamp, clamp_bound=clamp_bound, tail_bound=tail_bound), fit
    return QuadAct(fit["coefficients"], r=2.0), fit


def activation_modules(model, act):
    """The modules that evaluate activations: every member of a family, else the shared module."""
    return list(act.members) if isinstance(act, ChannelQuadFamily) else [act]


def lr_at(step, total_steps, warmup_steps, base):
    if step < warmup_steps:
        return base * (step + 1) / warmup_steps
    t = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return base * 0.5 * (1 + math.cos(math.pi * t))


class RangeMonitor:
    """Eval-time statistics of the activation inputs over all activation modules: fraction outside [-r, r], max |x|,
    and per image the largest |x| over all sites (for the blow-up count and the tail percentile)."""

    def __init__(self, model, modules, r):
        self.r = r
        self.n = self.out = 0
        self.maxabs = 0.0
        self.image_max = []  # one tensor per evaluated batch
        self.hs = [model.register_forward_pre_hook(self.new_batch)] + [m.register_forward_pre_hook(self.hook) for m in modules]

    def new_batch(self, mod, inp):
        self.image_max.append(torch.zeros(inp[0].shape[0]))

    def hook(self, mod, inp):
        x = inp[0].detach()
        self.n += x.numel()
        self.out += int((x.abs() > self.r).sum())
        self.maxabs = max(self.maxabs, float(x.abs().max()))
        worst = x.abs().flatten(1).amax(dim=1).cpu().nan_to_num(nan=float("inf"))
        self.image_max[-1] = torch.maximum(self.image_max[-1], worst)

    def blowups(self):
        """Images whose largest |pre-activation| is not finite or beyond BLOWUP."""
        m = torch.cat(self.image_max)
        return int(((m > BLOWUP) | ~torch.isfinite(m)).sum())

    def image_max_quantile(self, q):
        return float(torch.quantile(torch.cat(self.image_max).clamp(max=1e30), q))

    def close(self):
        for h in self.hs:
            h.remove()


def relu_reference(args, test_x, test_y, dev):
    """Accuracy of the ReLU original (akamaster checkpoint) on the same lossless test images."""
    if args.init.startswith("run:"):
        prev = os.path.join(args.init[4:], "checkpoint.pt")
        return json.loads(common.torch_load_trusted(prev)["meta"])["meta"].get("relu_acc")
    if args.init not in ("auto", "akamaster") or args.model not in AKAMASTER:
        if args.init not in ("auto", "akamaster", "scratch"):
            path = args.init
        else:
            return None
    else:
        path = os.path.join(args.data, "weights", "akamaster", AKAMASTER[args.model])
    m = build_model(args.model, ReLUAct())
    sd, _ = load_akamaster_state_dict(path)
    m.load_state_dict(sd)
    m.to(dev)
    _, acc, _ = common.evaluate(m, test_x, test_y, device=dev)
    return acc


def load_teacher(args, dev):
    """The akamaster ReLU network named by --teacher, frozen in eval mode (None without --teacher)."""
    if not args.teacher:
        return None
    teacher = build_model(args.teacher, ReLUAct())
    sd, _ = load_akamaster_state_dict(data.require(os.path.join(args.data, "weights", "akamaster", AKAMASTER[args.teacher])))
    teacher.load_state_dict(sd)
    teacher.to(dev).eval()
    for q in teacher.parameters():
        q.requires_grad_(False)
    return teacher


class frozen_bn_stats:
    """Context in which the model's BatchNorm layers normalise with batch statistics (training mode) but do not move
    their running statistics: for extra forward passes on perturbed inputs."""

    def __init__(self, model):
        self.bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]

    def __enter__(self):
        self.saved = [m.momentum for m in self.bns]
        for m in self.bns:
            m.momentum = 0.0

    def __exit__(self, *exc):
        for m, mom in zip(self.bns, self.saved):
            m.momentum = mom


def range_adversary(model, act, xb, eps):
    """xb moved by eps (L-inf, one signed-gradient step) to raise the sum over activation calls of each image's
    largest |pre-activation|: the nearby inputs most likely to leave the fitted interval."""
    xa = xb.detach().clone().requires_grad_(True)
    worst = []
    hooks = [m.register_forward_pre_hook(lambda mod, inp: worst.append(inp[0].abs().flatten(1).amax(dim=1).sum()))
             for m in act.members]
    record = act.record
    act.record = False
    try:
        with frozen_bn_stats(model):
            model(xa)
    finally:
        act.record = record
        for h in hooks:
            h.remove()
    (grad,) = torch.autograd.grad(torch.stack(worst).sum(), xa)
    return (xb + eps * grad.sign()).detach()


def standardize(logits):
    """Each row's logits minus their mean, over their standard deviation."""
    return (logits - logits.mean(dim=1, keepdim=True)) / (logits.std(dim=1, keepdim=True) + 1e-6)


def distillation_loss(student_logits, teacher_logits, temp):
    """Soft-target term on standardised logits: T^2 * KL(softmax(z_t/T) || softmax(z_s/T)), mean over the batch.
    Standardising (z-scores per row) makes the student match the teacher's ranking and relative gaps, not its logit
    magnitude: matching the ReLU teacher's larger logits would push the student's pre-activations out of [-2, 2]."""
    log_p = F.log_softmax(standardize(student_logits) / temp, dim=1)
    q = F.softmax(standardize(teacher_logits) / temp, dim=1)
    return F.kl_div(log_p, q, reduction="batchmean") * (temp * temp)


def main(argv=None):
    """Trains (or continues) one run; returns the final test accuracy, or None when --stop-after-minutes ended it early."""
    started = time.time()
    args = parse_args(argv)
    common.set_threads(args.threads)
    dev = common.device_of(args.device)
    os.makedirs(args.out, exist_ok=True)
    name = args.name or "%s_quad_s%d" % (args.model, args.seed)
    ck_path = os.path.join(args.out, "checkpoint.pt")
    log = common.CsvLog(os.path.join(args.out, "log.csv"), FIELDS)

    common.seed_all(args.seed)
    if args.blend_epochs and args.act != "channel":
        raise SystemExit("--blend-epochs needs --act channel")
    if args.tail_weight and args.act != "channel":
        raise SystemExit("--tail-weight needs --act channel")
    if args.adv_weight and not args.tail_weight:
        raise SystemExit("--adv-weight needs --tail-weight (the adversarial term is the tail term, with its bound)")
    act, fit = make_activation(args.act, args.train_clamp == "on", args.clamp_bound, args.tail_bound if args.tail_weight else None)
    model = build_model(args.model, act)
    init_desc = "random (Kaiming normal), trained from scratch"
    if args.init == "auto":
        args.init = "akamaster" if args.model in AKAMASTER else "scratch"
    if args.init.startswith("run:"):
        # continue from the final checkpoint of an earlier run of this recipe (a second fine-tuning stage)
        prev = os.path.join(args.init[4:], "checkpoint.pt")
        pmeta = common.load_checkpoint(prev, model)
        init_desc = "continued from %s (epoch %d of that run)" % (prev, pmeta["epoch"])
    elif args.init != "scratch":
        path = os.path.join(args.data, "weights", "akamaster", AKAMASTER[args.model]) if args.init == "akamaster" else args.init
        sd, prec = load_akamaster_state_dict(data.require(path))
        if args.prescale != 1.0:
            sd = prescale_relu_state_dict(sd, args.prescale)
        missing, unexpected = model.load_state_dict(sd, strict=False)
        if unexpected or any(not k.split(".")[-2].startswith("act") for k in missing):
            raise SystemExit("ReLU checkpoint %s does not fit %s: missing %s, unexpected %s" % (path, args.model, missing, unexpected))
        init_desc = "fine-tuned from the ReLU checkpoint %s (restricted legacy unpickler; reported best_prec1 %.2f), pre-activations rescaled by %g" % (os.path.basename(path), prec or float("nan"), args.prescale)
    model.to(dev)
    teacher = load_teacher(args, dev)

    t0 = time.time()
    if args.val_split == "lossless":
        # model selection data: the test images are not loaded at all
        (train_x8, train_y), (eval_x8, eval_y), split_info = data.load_cifar_validation_split(args.data)
        if args.limit:
            train_x8, train_y = train_x8[:args.limit], train_y[:args.limit]
        eval_name, eval_key = "validation (5,170 lossless training images)", "val"
    else:
        eval_x8, eval_y = data.load_cifar_test(args.data)
        train_x8, train_y = data.load_cifar_train(args.data, args.train_source, args.limit)
        eval_name, eval_key = "test (500 lossless)", "test"
    if args.test_limit:
        eval_x8, eval_y = eval_x8[:args.test_limit], eval_y[:args.test_limit]
    test_x, test_y = data.normalize(eval_x8, data.CIFAR_MEAN, data.CIFAR_STD), eval_y
    print("[data] %d training images, %d %s images, loaded in %.1f s" % (train_x8.shape[0], eval_x8.shape[0], eval_name, time.time() - t0), flush=True)

    act_params = [q for m in activation_modules(model, act) if isinstance(m, torch.nn.Module) for q in m.parameters()]
    act_ids = {id(q) for q in act_params}
    groups = [{"params": [q for q in model.parameters() if id(q) not in act_ids]}]
    if act_params:
        groups.append({"params": act_params, "weight_decay": 0.0})
    opt = torch.optim.SGD(groups, lr=args.lr, momentum=args.momentum, weight_decay=args.wd)
    steps_per_epoch = math.ceil(min(train_x8.shape[0], args.epoch_size or train_x8.shape[0]) / args.batch)
    if args.max_steps:
        steps_per_epoch = min(steps_per_epoch, args.max_steps)
    total_steps = steps_per_epoch * args.epochs
    warmup_steps = int(round(args.lr_warmup_epochs * steps_per_epoch))

    start_epoch = 1
    relu_acc = None
    if os.path.exists(ck_path):
        meta = common.load_checkpoint(ck_path, model, opt)
        start_epoch = int(meta["epoch"]) + 1
        relu_acc = meta.get("relu_acc")
        log.truncate_after("epoch", start_epoch - 1)
        print("[resume] from %s: epoch %d done, continuing at epoch %d of %d" % (ck_path, start_epoch - 1, start_epoch, args.epochs), flush=True)
    else:
        log.truncate_after("epoch", 0)
        if args.init != "scratch":
            relu_acc = relu_reference(args, test_x, test_y, dev)  # on the evaluation set of this run
        l0, a0, _ = common.evaluate(model, test_x, test_y, device=dev)
        print("[start] %s, activation p(x) = %s x^2 + %s x + %s; ReLU original test acc %s; quadratic before training %.2f%% (loss %.3f)"
              % (init_desc, *[fraction_str(c) for c in fit["coefficients"]],
                 "n/a" if relu_acc is None else "%.2f%%" % (100 * relu_acc), 100 * a0, l0), flush=True)

    step = (start_epoch - 1) * steps_per_epoch
    for epoch in range(start_epoch, args.epochs + 1):
        uses_ce, zeta_eff = (True, args.zeta) if args.no_penalty_warmup else penalty_weight(epoch, args.zeta)
        gen = torch.Generator().manual_seed(args.seed * 100003 + epoch)
        model.train()
        timer = common.Timer()
        s_loss = s_ce = s_pen = s_tail = s_adv = 0.0
        correct = seen = 0
        nsteps = skipped = 0
        ex8, ey = train_x8, train_y
        if args.epoch_size and args.epoch_size < train_x8.shape[0]:
            sub = torch.randperm(train_x8.shape[0], generator=gen)[:args.epoch_size]
            ex8, ey = train_x8[sub], train_y[sub]
        for xb8, yb in data.batches(ex8, ey, args.batch, generator=gen, shuffle=True):
            if args.max_steps and nsteps >= args.max_steps:
                break
            lr = lr_at(step, total_steps, warmup_steps, args.lr)
            for g in opt.param_groups:
                g["lr"] = lr
            if args.blend_epochs:
                act.alpha = max(0.0, 1.0 - step / (args.blend_epochs * steps_per_epoch))
            xb = data.normalize(data.augment_crop_flip(xb8, gen), data.CIFAR_MEAN, data.CIFAR_STD).to(dev)
            yb = yb.to(dev)
            act.penalties = []
            out = model(xb)
            pen = act.pop_penalty()
            tail = act.pop_tail() if args.tail_weight else None
            ce = F.cross_entropy(out, yb)
            fit_term = ce
            if teacher is not None:
                with torch.no_grad():
                    t_out = teacher(xb)
                fit_term = (1.0 - args.kd_weight) * ce + args.kd_weight * distillation_loss(out, t_out, args.kd_temp)
            loss = zeta_eff * pen + (fit_term if uses_ce else 0.0)
            if tail is not None:
                loss = loss + args.tail_weight * tail
            adv = None
            if args.adv_weight and nsteps % args.adv_every == 0:
                xa = range_adversary(model, act, xb, args.adv_eps)
                act.penalties = []
                act.tails = []
                with frozen_bn_stats(model):
                    model(xa)
                act.pop_penalty()
                adv = act.pop_tail()
                loss = loss + args.adv_weight * adv
            opt.zero_grad(set_to_none=True)
            if not torch.isfinite(loss):
                # an overflowing batch must not turn the weights into NaN: skip it, and stop if it keeps happening
                skipped += 1
                print("  [epoch %d step %d] non-finite loss: step skipped (%d this epoch)" % (epoch, nsteps, skipped), flush=True)
                if skipped > 20:
                    raise SystemExit("more than 20 non-finite steps in epoch %d: the network diverged; the last good "
                                     "checkpoint is the previous epoch's" % epoch)
                nsteps += 1
                step += 1
                continue
            loss.backward()
            if args.clip_grad:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_grad)
            opt.step()
            b = yb.shape[0]
            s_loss += float(loss) * b
            s_ce += float(ce) * b
            s_pen += float(pen) * b
            s_tail += 0.0 if tail is None else float(tail) * b
            s_adv += 0.0 if adv is None else float(adv) * b * args.adv_every
            correct += int((out.argmax(1) == yb).sum())
            seen += b
            nsteps += 1
            step += 1
            if args.progress_every and nsteps % args.progress_every == 0:
                print("  [epoch %d step %d/%d] loss %.4f (tail %.4f) train acc %.2f%% (%.1f s)"
                      % (epoch, nsteps, steps_per_epoch, s_loss / seen, s_tail / seen, 100 * correct / seen, time.time() - timer.t), flush=True)
        train_s = timer.lap()
        mon = RangeMonitor(model, activation_modules(model, act), act.r)
        test_loss, test_acc, _ = common.evaluate(model, test_x, test_y, device=dev)
        mon.close()
        row = dict(epoch=epoch, lr="%.6f" % lr, zeta_eff="%.2e" % zeta_eff, uses_ce=int(uses_ce),
                   train_loss="%.5f" % (s_loss / seen), train_ce="%.5f" % (s_ce / seen), train_penalty="%.3f" % (s_pen / seen),
                   train_acc="%.5f" % (correct / seen), epoch_seconds="%.1f" % (train_s + timer.lap()), images=seen,
                   alpha="%.4f" % getattr(act, "alpha", 0.0), train_tail="%.5f" % (s_tail / seen),
                   train_adv_tail="%.5f" % (s_adv / seen))
        row.update({eval_key + "_loss": "%.5f" % test_loss, eval_key + "_acc": "%.5f" % test_acc,
                    eval_key + "_frac_out_of_range": "%.2e" % (mon.out / max(1, mon.n)), eval_key + "_max_abs_preact": "%.3f" % mon.maxabs,
                    eval_key + "_blowups": mon.blowups(), eval_key + "_image_max_p999": "%.3f" % mon.image_max_quantile(0.999)})
        common.save_checkpoint(ck_path, model, opt, {"epoch": epoch, "relu_acc": relu_acc, "args": vars(args)})
        log.append(row)
        common.plot_curves(log.path, os.path.join(args.out, "curves.png"), "%s quadratic (seed %d)" % (args.model, args.seed))
        print("[epoch %d/%d] %s loss %.4f (CE %.4f, penalty %.2f x %.1e) train acc %.2f%% | %s loss %.4f acc %.2f%% | "
              "pre-act out of [-2,2]: %s, max |x| %.2f, blow-ups %d, image max p99.9 %s | tail %.4f | lr %.5f | alpha %.3f | %.1f s"
              % (epoch, args.epochs, "CE+pen" if uses_ce else "penalty-only", s_loss / seen, s_ce / seen, s_pen / seen, zeta_eff,
                 100 * correct / seen, eval_name, test_loss, 100 * test_acc, row[eval_key + "_frac_out_of_range"], mon.maxabs,
                 row[eval_key + "_blowups"], row[eval_key + "_image_max_p999"], s_tail / seen, lr,
                 getattr(act, "alpha", 0.0), float(row["epoch_seconds"])),
              flush=True)
        if args.stop_after_minutes is not None and epoch < args.epochs and time.time() - started > 60 * args.stop_after_minutes:
            print("[stop] %.1f minutes used, epoch %d of %d saved in %s; run the same command again to continue"
                  % ((time.time() - started) / 60, epoch, args.epochs, ck_path), flush=True)
            return None

    relu_acc = common.load_checkpoint(ck_path, model).get("relu_acc")
    _, test_acc, _ = common.evaluate(model, test_x, test_y, device=dev)
    print("[done] %s: quadratic accuracy %.2f%% on the %s images (ReLU original %s)"
          % (name, 100 * test_acc, eval_name, "n/a" if relu_acc is None else "%.2f%%" % (100 * relu_acc)), flush=True)
    if args.val_split != "none":
        print("[done] export with training.export (it measures the test images once, when the run is chosen)", flush=True)
    elif not args.no_export:
        from .export import export_cifar
        export_cifar(model.cpu(), args, name, fit, test_acc, relu_acc, init_desc, log.rows())
    return test_acc


if __name__ == "__main__":
    main()
