"""Give every activation of a per-channel-trained ResNet the same x² coefficient, exactly (same function).

The encrypted compiler makes the x² coefficient of every activation 1 by weight redistribution; along a residual
stream (identity and option-A shortcuts) the carried scales then square at every activation and stay bounded only
when all activations share one x² coefficient c2 (the Java pass refuses models that drift). A model trained with
`--act channel` has its own a_c per site and channel, so before export it is reparametrised:

* an activation whose input is a BatchNorm output (the stem and the first site of each block) gets its input
  multiplied by g = sqrt(f·a/c2) through the BatchNorm's gamma and beta, and its coefficients become
  (c2, f·b/g, f·k), where f is the factor its output must carry (1 unless a shortcut needs otherwise);
* the site after a residual addition scales both summands by g: the BatchNorm of the block's second convolution
  directly, and the shortcut by asking the previous site to produce its output times g (channel by channel through
  option-A's channel offset); the block's first convolution, which also reads that output, divides its input-channel
  weights by the same factor.

Working from the last block to the stem, every factor is a square root of the next, so they stay moderate. A
channel whose a_c is negative becomes -c2 (the compiler's carried scales depend on |c2| only); a zero a_c fails.
"""
import math

import torch

from .activation import ChannelQuadAct
from .models import BasicBlock, OptionAShortcut


def _site(act, bn, f, c2):
    """Rewrites one site for output factor f (per channel); scales its input (through bn); returns g. A channel with
    a negative coefficient keeps its sign (-c2): the compiler's carried scales depend on |c2| only."""
    a, b, k = (t.detach().flatten().double() for t in (act.a, act.b, act.k))
    prod = f * a
    if not bool((prod != 0).all()):
        raise ValueError("activation with a zero x^2 coefficient: it cannot share the coefficient %g; retrain with "
                         "--act shared" % c2)
    g = torch.sqrt(prod.abs() / c2)
    with torch.no_grad():
        bn.weight.mul_(g.to(bn.weight.dtype))
        bn.bias.mul_(g.to(bn.bias.dtype))
        act.a.copy_((torch.sign(prod) * c2).view_as(act.a).to(act.a.dtype))
        act.b.copy_((f * b / g).view_as(act.b).to(act.b.dtype))
        act.k.copy_((f * k).view_as(act.k).to(act.k.dtype))
    return g


def _divide_input_channels(conv, f):
    with torch.no_grad():
        conv.weight.div_(f.view(1, -1, 1, 1).to(conv.weight.dtype))


@torch.no_grad()
def share_curvature(model, c2):
    """Reparametrises `model` (a CifarResNet with ChannelQuadAct sites, eval-mode BatchNorms) in place so that every
    activation's x² coefficient is c2; the network's function is unchanged (up to rounding)."""
    blocks = [blk for layer in (model.layer1, model.layer2, model.layer3) for blk in layer]
    if not isinstance(model.act, ChannelQuadAct) or not all(isinstance(b, BasicBlock) and hasattr(b, "act1") for b in blocks):
        raise ValueError("share_curvature needs a ResNet with a ChannelQuadAct at every site (--act channel)")
    f = torch.ones(blocks[-1].bn2.weight.shape[0], dtype=torch.float64)
    for blk in reversed(blocks):
        if not isinstance(blk.shortcut, (OptionAShortcut, torch.nn.Sequential)) or (
                isinstance(blk.shortcut, torch.nn.Sequential) and len(blk.shortcut) > 0):
            raise ValueError("share_curvature handles identity and option-A shortcuts only")
        g = _site(blk.act2, blk.bn2, f, c2)
        _site(blk.act1, blk.bn1, torch.ones_like(blk.bn1.weight, dtype=torch.float64), c2)
        if isinstance(blk.shortcut, OptionAShortcut):
            pad = blk.shortcut.pad
            f = g[pad:pad + blk.conv1.weight.shape[1]]
        else:
            f = g
        _divide_input_channels(blk.conv1, f)
    _site(model.act, model.bn1, f, c2)
    return model


def check_same_function(before_logits, after_logits, tol=1e-4):
    """Fails unless the reparametrised network computes the same logits (relative to their magnitude) on every image
    where the original is finite; fails if it is finite on none (nothing could be checked)."""
    finite = torch.isfinite(before_logits).all(dim=1)
    if not bool(finite.any()):
        raise RuntimeError("the network's logits are not finite on any check image: the reparametrisation cannot be "
                           "verified")
    before, after = before_logits[finite], after_logits[finite]
    err = float((before - after).abs().max())
    scale = max(1.0, float(before.abs().max()))
    if not math.isfinite(err) or err > tol * scale:
        raise RuntimeError("the shared-curvature reparametrisation changed the logits by %.3g" % err)
    return err
