"""Polynomial activations, computed (never typed in).

* quadratic_fit_grid(): the least-squares fit of c2*x^2 + c1*x + c0 to ReLU on [-r, r] (400 equally spaced points)
  with every coefficient a multiple of 1/1024: start from the unconstrained fit and search the 1/1024 grid
  around it for the best constrained triple (exhaustive within +-`radius` grid steps per coefficient).
* quadratic_fit_pow2(): the same fit with every coefficient in {0, +-2^k} (Faster CryptoNets' maximally sparse
  activation), found by exhaustive search over the power-of-two candidates.
* QuadAct: the activation module. ONE instance is shared by all activation layers of a model. In training mode
  it evaluates the polynomial on clamp(x, -r, r) and records ||x - clamp(x, -r, r)||_2 for the range penalty;
  in eval mode (and in the ONNX export) it is the plain polynomial (x*x)*c2 + x*c1 + c0.
"""
from fractions import Fraction

import numpy as np
import torch
import torch.nn as nn


def _design(r, points):
    x = np.linspace(-r, r, points)
    return x, np.stack([x * x, x, np.ones_like(x)], axis=1), np.maximum(x, 0.0)


def _sse(A, y, c):
    e = A @ np.asarray(c, dtype=np.float64) - y
    return float(e @ e)


def quadratic_fit_unconstrained(r=2.0, points=400):
    _, A, y = _design(r, points)
    c, *_ = np.linalg.lstsq(A, y, rcond=None)
    return tuple(float(v) for v in c)


def quadratic_fit_grid(r=2.0, points=400, denom=1024, radius=8):
    """Best (c2, c1, c0), each k/denom, minimising the squared error to ReLU on `points` points of [-r, r]."""
    _, A, y = _design(r, points)
    free = quadratic_fit_unconstrained(r, points)
    centre = [int(round(v * denom)) for v in free]
    best = None
    rng = range(-radius, radius + 1)
    # exhaustive over the (2*radius+1)^3 box around the rounded unconstrained fit (vectorised per c2 value)
    for d2 in rng:
        k2 = centre[0] + d2
        k1s = np.array([centre[1] + d for d in rng])
        k0s = np.array([centre[2] + d for d in rng])
        K1, K0 = np.meshgrid(k1s, k0s, indexing="ij")
        C = np.stack([np.full(K1.size, k2), K1.ravel(), K0.ravel()], axis=1) / denom
        E = A @ C.T - y[:, None]
        sse = (E * E).sum(axis=0)
        i = int(np.argmin(sse))
        cand = (float(sse[i]), (int(k2), int(K1.ravel()[i]), int(K0.ravel()[i])))
        if best is None or cand[0] < best[0]:
            best = cand
    sse, ks = best
    if max(abs(k - c) for k, c in zip(ks, centre)) >= radius:
        raise RuntimeError("grid optimum on the search-box edge; increase radius")
    return {
        "coefficients": [k / denom for k in ks],
        "numerators": list(ks),
        "denominator": denom,
        "unconstrained": list(free),
        "interval": [-r, r],
        "points": points,
        "mse": sse / points,
    }


def _pow2_candidates(kmin=-10, kmax=2):
    vals = [0.0]
    for k in range(kmin, kmax + 1):
        vals += [2.0 ** k, -(2.0 ** k)]
    return vals


def quadratic_fit_pow2(r=4.0, points=400, kmin=-10, kmax=2):
    """Best (c2, c1, c0) with every coefficient 0 or +-2^k (kmin <= k <= kmax): exhaustive search."""
    _, A, y = _design(r, points)
    cands = np.array(_pow2_candidates(kmin, kmax))
    best = None
    for c2 in cands:
        K1, K0 = np.meshgrid(cands, cands, indexing="ij")
        C = np.stack([np.full(K1.size, c2), K1.ravel(), K0.ravel()], axis=1)
        E = A @ C.T - y[:, None]
        sse = (E * E).sum(axis=0)
        i = int(np.argmin(sse))
        if best is None or sse[i] < best[0]:
            best = (float(sse[i]), (float(c2), float(K1.ravel()[i]), float(K0.ravel()[i])))
    sse, cs = best

    def as_pow2(v):
        if v == 0:
            return "0"
        k = int(round(np.log2(abs(v))))
        return ("-" if v < 0 else "") + "2^%d" % k

    return {
        "coefficients": list(cs),
        "pow2": [as_pow2(v) for v in cs],
        "unconstrained": list(quadratic_fit_unconstrained(r, points)),
        "interval": [-r, r],
        "points": points,
        "mse": sse / points,
    }


def fraction_str(v, denom=1024):
    f = Fraction(v).limit_denominator(denom)
    return "%d/%d" % (f.numerator, f.denominator)


class QuadAct(nn.Module):
    """p(x) = c2*x^2 + c1*x + c0, shared by every activation layer; clamps to [-r, r] in training only."""

    def __init__(self, coeffs, r=2.0):
        super().__init__()
        self.c2, self.c1, self.c0 = (float(c) for c in coeffs)
        self.r = float(r)
        self.penalties = []  # filled during training forwards: one ||x - clamp(x)||_2 per activation call
        self.record = True

    def forward(self, x):
        if self.training:
            xc = torch.clamp(x, -self.r, self.r)
            if self.record:
                self.penalties.append(torch.linalg.vector_norm(x - xc))
            x = xc
        # plain Mul/Add in this exact order: the ONNX pattern documented in training/README.md
        return (x * x) * self.c2 + x * self.c1 + self.c0

    def pop_penalty(self):
        """Mean over the activation calls since the last pop of ||x - clamp(x, -r, r)||_2."""
        if not self.penalties:
            return None
        p = torch.stack(self.penalties).mean()
        self.penalties = []
        return p

    def extra_repr(self):
        return "c2=%r, c1=%r, c0=%r, clamp=[-%g, %g] (training only)" % (self.c2, self.c1, self.c0, self.r, self.r)


class ChannelQuadFamily:
    """Makes one trainable per-channel quadratic per activation site (ChannelQuadAct) and collects what they record.

    It offers the QuadAct training interface (penalties, pop_penalty, r, record) for the whole family, plus
    `alpha`: while alpha > 0 every member outputs alpha * ReLU(x) + (1 - alpha) * p(x) (gradual replacement; the
    trainer anneals it to 0). With a `tail_bound` T every training call also records the tail term
    mean over the batch of max(0, max|x| of the image - T)^2, which targets the few images whose worst
    pre-activation leaves the interval (the ones that overflow at inference), not the bulk the penalty sees. `clamp` chooses p(clamp(x, -B, B)) (the method, B = r) or the plain p(x) in training;
    the penalty always measures the part of x outside [-r, r]; inference always uses the plain polynomial.
    """

    def __init__(self, coeffs, r=2.0, clamp=True, clamp_bound=None, tail_bound=None):
        self.init_coeffs = tuple(float(c) for c in coeffs)
        self.r = float(r)
        self.clamp = bool(clamp)
        self.clamp_bound = float(clamp_bound if clamp_bound is not None else r)
        self.tail_bound = None if tail_bound is None else float(tail_bound)
        self.alpha = 0.0
        self.penalties = []
        self.tails = []
        self.record = True
        self.members = []

    def __call__(self, channels):
        m = ChannelQuadAct(self, channels)
        self.members.append(m)
        return m

    def pop_penalty(self):
        """Mean over the activation calls since the last pop of ||x - clamp(x, -r, r)||_2."""
        if not self.penalties:
            return None
        p = torch.stack(self.penalties).mean()
        self.penalties = []
        return p

    def pop_tail(self):
        """Mean over the activation calls since the last pop of the tail term (None without a tail bound)."""
        if not self.tails:
            return None
        t = torch.stack(self.tails).mean()
        self.tails = []
        return t


class ChannelQuadAct(nn.Module):
    """p_c(x) = a_c*x^2 + b_c*x + k_c with trainable coefficients per channel c, for one activation site.

    Initialised to the family's fitted coefficients. Exported as the same five ONNX nodes as QuadAct with [C, 1, 1]
    coefficient tensors instead of scalars: t1=Mul(x,x); t2=Mul(t1,a); t3=Mul(x,b); t4=Add(t2,t3); y=Add(t4,k).
    """

    def __init__(self, family, channels):
        super().__init__()
        self.family = [family]  # a list so the family is not a registered submodule
        c2, c1, c0 = family.init_coeffs
        self.a = nn.Parameter(torch.full((channels, 1, 1), c2))
        self.b = nn.Parameter(torch.full((channels, 1, 1), c1))
        self.k = nn.Parameter(torch.full((channels, 1, 1), c0))

    def forward(self, x):
        fam = self.family[0]
        raw = x
        if self.training:
            xc = torch.clamp(x, -fam.r, fam.r)
            if fam.record:
                fam.penalties.append(torch.linalg.vector_norm(x - xc))
                if fam.tail_bound is not None:
                    worst = x.abs().flatten(1).amax(dim=1)
                    fam.tails.append(torch.relu(worst - fam.tail_bound).square().mean())
            if fam.clamp:
                x = xc if fam.clamp_bound == fam.r else torch.clamp(x, -fam.clamp_bound, fam.clamp_bound)
        y = (x * x) * self.a + x * self.b + self.k
        if self.training and fam.alpha > 0:
            y = fam.alpha * torch.relu(raw) + (1.0 - fam.alpha) * y
        return y

    def extra_repr(self):
        return "channels=%d, trainable per-channel a*x^2 + b*x + k" % self.a.shape[0]


class ReLUAct(nn.Module):
    """ReLU with the QuadAct interface (no penalty) for evaluating the ReLU originals."""

    def __init__(self):
        super().__init__()
        self.penalties = []

    def forward(self, x):
        return torch.relu(x)

    def pop_penalty(self):
        return None


def penalty_weight(epoch, zeta):
    """Warm-up of method.md, epochs counted from 1: (use_cross_entropy, weight of the range penalty)."""
    if epoch <= 1:
        return False, zeta / 100.0
    if epoch == 2:
        return True, zeta / 50.0
    if epoch == 3:
        return True, zeta / 10.0
    if epoch == 4:
        return True, zeta / 5.0
    return True, zeta


if __name__ == "__main__":
    g = quadratic_fit_grid()
    print("ReLU fit on [-2,2], 1/1024 grid:", [fraction_str(c) for c in g["coefficients"]], g)
    for r in (2.0, 3.0, 4.0):
        print("pow2 fit on [-%g,%g]:" % (r, r), quadratic_fit_pow2(r))
