package org.hecnn.cpu;

import static jdk.incubator.vector.VectorOperators.L2D;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.UMIN;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.hecnn.backend.host.LimbKernels;
import org.hecnn.backend.host.ScalarLimbKernels;
import org.hecnn.ring.Modulus;
import org.hecnn.ring.Ntt;
import org.hecnn.ring.NttTable;

/**
 * {@link LimbKernels} on the Java Vector API ({@code jdk.incubator.vector}), bit-identical to
 * {@link ScalarLimbKernels} on every input in the documented domains.
 *
 * <p>Every kernel returns canonical residues in [0, q), so agreement with the scalar oracle only needs the
 * arithmetic to be exact; intermediate (lazy) values may differ. Two reductions are used:
 * <ul>
 *   <li><b>Integer</b> (any q &lt; 2^61): the unsigned 64×64 high product that Shoup and Barrett need is
 *       assembled from four 32×32→64 lane products (the Vector API has no lane-wise mulhi).</li>
 *   <li><b>Floating point</b> (q &lt; 2^{@value NttPlan#FP_MAX_BITS}): the quotient ⌊x·w/q⌋ is estimated as
 *       round(x · fl(w/q)) with one FMA against the magic constant 2^52 (which rounds to an integer and leaves
 *       it in the low mantissa bits); for x &lt; 2^52 and x·w/q &lt; 2^52 the relative error of fl(w/q) is at
 *       most 2^-53, so the estimate is the true quotient or one more, and x·w − estimate·q, computed exactly
 *       mod 2^64 with 64-bit lane multiplies, lies in [−q, q): one conditional add of q makes it canonical.
 *       For a varying multiplier the estimate is round(fl(a·b) · fl(1/q)), off by less than 0.25 for a, b &lt; q
 *       &lt; 2^50, with the same conclusion.</li>
 * </ul>
 * Vector code runs for N ≥ {@link #MIN_N}; shorter arrays and loop tails use the scalar formulas.
 *
 * <p>The NTT follows {@link Ntt}'s Harvey butterflies with lazy values below 4q: stages with half-size
 * t ≥ lanes broadcast one twiddle per group; the last log2(lanes) stages of the forward transform (first of
 * the inverse) are fused into one pass over blocks of 2·lanes elements that moves lanes between stages with
 * two-vector permutes ({@code selectFrom}); the final reduction (forward) and the N^-1 scaling (inverse, into
 * the last stage) are fused too.
 */
public final class VectorLimbKernels implements LimbKernels {
    static final VectorSpecies<Long> SPECIES = LongVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DSPECIES = DoubleVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    static final int LOG_LANES = Integer.numberOfTrailingZeros(LANES);
    /** Smallest N the vector code handles; below it everything is scalar. */
    static final int MIN_N = Math.max(16, 2 * LANES);
    private static final boolean VECTOR = LANES >= 2 && DSPECIES.length() == LANES;
    private static final long M32 = 0xFFFFFFFFL;
    private static final double MAGIC = 0x1p52;
    private static final long MAGIC_BITS = Double.doubleToRawLongBits(MAGIC);
    private static final DoubleVector MAGIC_V = DoubleVector.broadcast(DSPECIES, MAGIC);
    /** Elements per block in the multi-source kernels (keeps the accumulator in L1). */
    private static final int BLOCK = 1024;

    /** Permutes into the per-stage lane layouts of the fused NTT tail/head: see {@link #layoutIndex}. */
    private static final long[][] FWD_IN_X = new long[LOG_LANES][];
    private static final long[][] FWD_IN_Y = new long[LOG_LANES][];
    private static final long[] FWD_OUT_X;
    private static final long[] FWD_OUT_Y;
    private static final long[][] INV_IN_X = new long[LOG_LANES][];
    private static final long[][] INV_IN_Y = new long[LOG_LANES][];
    private static final long[] INV_OUT_X;
    private static final long[] INV_OUT_Y;
    /** DUP[s][l] = l / t for the stage of half-size t = 2^s: spreads one twiddle over the t lanes of a group. */
    private static final long[][] DUP = new long[Math.max(LOG_LANES, 1)][];

    static {
        for (int s = 0; s < LOG_LANES; s++) {
            int t = 1 << s;
            DUP[s] = new long[LANES];
            for (int l = 0; l < LANES; l++) {
                DUP[s][l] = l / t;
            }
            // Forward stage s (counting from the last) has half-size t = LANES >> (s + 1), entered from 2t.
            int tf = LANES >> (s + 1);
            FWD_IN_X[s] = transition(2 * tf, tf, false);
            FWD_IN_Y[s] = transition(2 * tf, tf, true);
            // Inverse stage s has half-size t = 2^s, entered from LANES (s = 0) or t / 2.
            INV_IN_X[s] = transition(s == 0 ? LANES : t / 2, t, false);
            INV_IN_Y[s] = transition(s == 0 ? LANES : t / 2, t, true);
        }
        FWD_OUT_X = transition(1, LANES, false);
        FWD_OUT_Y = transition(1, LANES, true);
        INV_OUT_X = transition(Math.max(LANES / 2, 1), LANES, false);
        INV_OUT_Y = transition(Math.max(LANES / 2, 1), LANES, true);
    }

    private static final ScalarLimbKernels SCALAR = new ScalarLimbKernels();

    /**
     * Lane layout of a block of 2·LANES elements for a stage of half-size t: vector X holds the elements e with
     * bit t clear in increasing order, lane l holding e = (l / t)·2t + l mod t, and vector Y holds e + t in the
     * same lane. Layout LANES is the memory order (X = first LANES elements, Y = the rest). Returns the index
     * of element e in the pair (X, Y) of layout s, as {@code selectFrom(X, Y)} reads it.
     */
    private static int layoutIndex(int s, int e) {
        if ((e & s) == 0) {
            return (e / (2 * s)) * s + e % s;
        }
        int f = e - s;
        return LANES + (f / (2 * s)) * s + f % s;
    }

    /** Indices that move a block from layout {@code from} to layout {@code to} (X part, or Y part if y). */
    private static long[] transition(int from, int to, boolean y) {
        long[] idx = new long[LANES];
        for (int l = 0; l < LANES; l++) {
            int e = (l / to) * 2 * to + l % to + (y ? to : 0);
            idx[l] = layoutIndex(from, e);
        }
        return idx;
    }

    /** True when this JVM's preferred species gives the vector code at least two 64-bit lanes. */
    public static boolean vectorised() {
        return VECTOR;
    }

    public static int lanes() {
        return LANES;
    }

    private static boolean scalar(int n) {
        return !VECTOR || n < MIN_N;
    }

    private static boolean fp(Modulus q) {
        return q.bits() <= NttPlan.FP_MAX_BITS;
    }

    // ------------------------------------------------------------------------------------------------------
    // Lane arithmetic helpers (small so that C2 inlines them into small loop bodies).

    private static LongVector load(long[] a, int k) {
        return LongVector.fromArray(SPECIES, a, k);
    }

    private static LongVector splat(long v) {
        return LongVector.broadcast(SPECIES, v);
    }

    /** x ≥ m ? x − m : x, for 0 ≤ x &lt; 2m (x − m wraps to a huge unsigned value when x &lt; m). */
    private static LongVector csub(LongVector x, LongVector m) {
        return x.lanewise(UMIN, x.sub(m));
    }

    /** x &lt; 0 ? x + m : x, for −m ≤ x &lt; m. */
    private static LongVector cadd(LongVector x, LongVector m) {
        return x.lanewise(UMIN, x.add(m));
    }

    private static LongVector lo32(LongVector x) {
        return x.and(M32);
    }

    private static LongVector hi32(LongVector x) {
        return x.lanewise(LSHR, 32);
    }

    /** Unsigned high 64 bits of a·b, with b given as its 32-bit halves. */
    static LongVector mulHi(LongVector a, LongVector bLo, LongVector bHi) {
        LongVector aLo = lo32(a);
        LongVector aHi = hi32(a);
        LongVector t = aLo.mul(bHi).add(hi32(aLo.mul(bLo)));
        LongVector u = aHi.mul(bLo).add(lo32(t));
        return aHi.mul(bHi).add(hi32(t)).add(hi32(u));
    }

    /** Shoup: y·w mod q in [0, 2q) for y &lt; 2^63, w in [0, q) with companion halves wsLo, wsHi. */
    static LongVector shoupLazy(LongVector y, LongVector w, LongVector wsLo, LongVector wsHi, LongVector q) {
        return y.mul(w).sub(mulHi(y, wsLo, wsHi).mul(q));
    }

    /** Floating-point Shoup: y·w mod q in [0, q) for y &lt; 2^52, q &lt; 2^50, wq = fl(w/q). */
    static LongVector fpMulConst(LongVector y, LongVector w, DoubleVector wq, LongVector q) {
        DoubleVector yd = (DoubleVector) y.convert(L2D, 0);
        LongVector est = yd.fma(wq, MAGIC_V).viewAsIntegralLanes().sub(MAGIC_BITS);
        return cadd(y.mul(w).sub(est.mul(q)), q);
    }

    /** Floating-point modular product a·b mod q in [0, q) for a, b in [0, q), q &lt; 2^50, qInv = fl(1/q). */
    static LongVector fpMul(LongVector a, LongVector b, DoubleVector qInv, LongVector q) {
        DoubleVector ad = (DoubleVector) a.convert(L2D, 0);
        DoubleVector bd = (DoubleVector) b.convert(L2D, 0);
        LongVector est = ad.mul(bd).fma(qInv, MAGIC_V).viewAsIntegralLanes().sub(MAGIC_BITS);
        return cadd(a.mul(b).sub(est.mul(q)), q);
    }

    /**
     * Barrett product a·b mod q in [0, q) for a, b in [0, q) (as {@link Modulus#reduceProduct}): x1 = ⌊ab /
     * 2^(bits−1)⌋, estimate = ⌊x1·μ / 2^(bits+1)⌋ ≥ ⌊ab/q⌋ − 2, so two conditional subtractions finish.
     */
    static LongVector barrettMul(LongVector a, LongVector b, BarrettConstants c) {
        LongVector lo = a.mul(b);
        LongVector hi = mulHi(a, lo32(b), hi32(b));
        LongVector x1 = hi.lanewise(LSHL, 64 - c.shift).or(lo.lanewise(LSHR, c.shift));
        LongVector pHi = mulHi(x1, c.muLo, c.muHi);
        LongVector pLo = x1.mul(c.mu);
        LongVector est = pHi.lanewise(LSHL, 63 - c.bits).or(pLo.lanewise(LSHR, c.bits + 1));
        LongVector r = lo.sub(est.mul(c.q));
        return csub(csub(r, c.q), c.q);
    }

    /** Broadcast Barrett constants of one modulus. */
    static final class BarrettConstants {
        final int bits;
        final int shift;
        final LongVector q;
        final LongVector mu;
        final LongVector muLo;
        final LongVector muHi;

        BarrettConstants(Modulus m) {
            bits = m.bits();
            shift = bits - 1;
            long muValue = java.math.BigInteger.ONE.shiftLeft(2 * bits)
                    .divide(java.math.BigInteger.valueOf(m.value())).longValueExact();
            q = splat(m.value());
            mu = splat(muValue);
            muLo = lo32(mu);
            muHi = hi32(mu);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // NTT

    @Override
    public void forwardNtt(long[] a, NttTable table) {
        int n = table.n();
        if (scalar(n)) {
            Ntt.forward(a, table);
            return;
        }
        NttPlan plan = NttPlan.of(table);
        long q = table.modulus().value();
        long[] w = table.forwardTwiddles();
        if (plan.fp) {
            long[] wq = plan.forwardQuotients;
            for (int m = 1, t = n >>> 1; t >= LANES; m <<= 1, t >>>= 1) {
                forwardStageFp(a, m, t, w, wq, q);
            }
            forwardTailFp(a, n, w, wq, q);
        } else {
            long[] ws = table.forwardTwiddlesShoup();
            for (int m = 1, t = n >>> 1; t >= LANES; m <<= 1, t >>>= 1) {
                forwardStage(a, m, t, w, ws, q);
            }
            forwardTail(a, n, w, ws, q);
        }
    }

    private static void forwardStage(long[] a, int m, int t, long[] w, long[] ws, long q) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        for (int i = 0; i < m; i++) {
            LongVector wv = splat(w[m + i]);
            LongVector wsv = splat(ws[m + i]);
            LongVector wsLo = lo32(wsv);
            LongVector wsHi = hi32(wsv);
            int start = 2 * i * t;
            for (int j = start; j < start + t; j += LANES) {
                LongVector x = csub(load(a, j), twoQ);
                LongVector p = shoupLazy(load(a, j + t), wv, wsLo, wsHi, qv);
                x.add(p).intoArray(a, j);
                x.sub(p).add(twoQ).intoArray(a, j + t);
            }
        }
    }

    private static void forwardStageFp(long[] a, int m, int t, long[] w, long[] wq, long q) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        for (int i = 0; i < m; i++) {
            LongVector wv = splat(w[m + i]);
            DoubleVector wqv = splat(wq[m + i]).viewAsFloatingLanes();
            int start = 2 * i * t;
            for (int j = start; j < start + t; j += LANES) {
                LongVector x = csub(load(a, j), twoQ);
                LongVector p = fpMulConst(load(a, j + t), wv, wqv, qv);
                x.add(p).intoArray(a, j);
                x.sub(p).add(twoQ).intoArray(a, j + t);
            }
        }
    }

    /** Twiddle vector for lanes of the fused stage s (half-size t = 2^s... as DUP) of block c. */
    private static LongVector stageTwiddles(long[] w, int n, int c, int t, int s) {
        LongVector v = load(w, (n + c) / (2 * t));
        return t == 1 ? v : load(DUP[s], 0).selectFrom(v);
    }

    /** The last log2(LANES) forward stages plus the final reduction, per block of 2·LANES elements. */
    private static void forwardTail(long[] a, int n, long[] w, long[] ws, long q) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        for (int c = 0; c < n; c += 2 * LANES) {
            LongVector x = load(a, c);
            LongVector y = load(a, c + LANES);
            for (int s = 0; s < LOG_LANES; s++) {
                int t = LANES >> (s + 1);
                LongVector ix = load(FWD_IN_X[s], 0);
                LongVector iy = load(FWD_IN_Y[s], 0);
                LongVector nx = csub(ix.selectFrom(x, y), twoQ);
                LongVector ny = iy.selectFrom(x, y);
                int d = LOG_LANES - 1 - s;
                LongVector wv = stageTwiddles(w, n, c, t, d);
                LongVector wsv = stageTwiddles(ws, n, c, t, d);
                LongVector p = shoupLazy(ny, wv, lo32(wsv), hi32(wsv), qv);
                x = nx.add(p);
                y = nx.sub(p).add(twoQ);
            }
            LongVector ox = load(FWD_OUT_X, 0).selectFrom(x, y);
            LongVector oy = load(FWD_OUT_Y, 0).selectFrom(x, y);
            csub(csub(ox, twoQ), qv).intoArray(a, c);
            csub(csub(oy, twoQ), qv).intoArray(a, c + LANES);
        }
    }

    private static void forwardTailFp(long[] a, int n, long[] w, long[] wq, long q) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        for (int c = 0; c < n; c += 2 * LANES) {
            LongVector x = load(a, c);
            LongVector y = load(a, c + LANES);
            for (int s = 0; s < LOG_LANES; s++) {
                int t = LANES >> (s + 1);
                LongVector ix = load(FWD_IN_X[s], 0);
                LongVector iy = load(FWD_IN_Y[s], 0);
                LongVector nx = csub(ix.selectFrom(x, y), twoQ);
                LongVector ny = iy.selectFrom(x, y);
                int d = LOG_LANES - 1 - s;
                LongVector wv = stageTwiddles(w, n, c, t, d);
                DoubleVector wqv = stageTwiddles(wq, n, c, t, d).viewAsFloatingLanes();
                LongVector p = fpMulConst(ny, wv, wqv, qv);
                x = nx.add(p);
                y = nx.sub(p).add(twoQ);
            }
            LongVector ox = load(FWD_OUT_X, 0).selectFrom(x, y);
            LongVector oy = load(FWD_OUT_Y, 0).selectFrom(x, y);
            csub(csub(ox, twoQ), qv).intoArray(a, c);
            csub(csub(oy, twoQ), qv).intoArray(a, c + LANES);
        }
    }

    @Override
    public void inverseNtt(long[] a, NttTable table) {
        int n = table.n();
        if (scalar(n)) {
            Ntt.inverse(a, table);
            return;
        }
        NttPlan plan = NttPlan.of(table);
        long q = table.modulus().value();
        long[] w = table.inverseTwiddles();
        if (plan.fp) {
            long[] wq = plan.inverseQuotients;
            inverseHeadFp(a, n, w, wq, q);
            for (int m = n / (2 * LANES), t = LANES; m > 1; m >>>= 1, t <<= 1) {
                inverseStageFp(a, m, t, w, wq, q);
            }
            inverseLastFp(a, n >>> 1, table.nInverse(), plan.nInverseQuotient, plan.lastTwiddle,
                    plan.lastTwiddleQuotient, q);
        } else {
            long[] ws = table.inverseTwiddlesShoup();
            inverseHead(a, n, w, ws, q);
            for (int m = n / (2 * LANES), t = LANES; m > 1; m >>>= 1, t <<= 1) {
                inverseStage(a, m, t, w, ws, q);
            }
            inverseLast(a, n >>> 1, table.nInverse(), table.nInverseShoup(), plan.lastTwiddle,
                    plan.lastTwiddleShoup, q);
        }
    }

    /** The first log2(LANES) inverse stages (half-sizes 1 .. LANES/2), per block of 2·LANES elements. */
    private static void inverseHead(long[] a, int n, long[] w, long[] ws, long q) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        for (int c = 0; c < n; c += 2 * LANES) {
            LongVector x = load(a, c);
            LongVector y = load(a, c + LANES);
            for (int s = 0; s < LOG_LANES; s++) {
                int t = 1 << s;
                LongVector ix = load(INV_IN_X[s], 0);
                LongVector iy = load(INV_IN_Y[s], 0);
                LongVector nx = ix.selectFrom(x, y);
                LongVector ny = iy.selectFrom(x, y);
                LongVector wv = stageTwiddles(w, n, c, t, s);
                LongVector wsv = stageTwiddles(ws, n, c, t, s);
                x = csub(nx.add(ny), twoQ);
                y = shoupLazy(nx.sub(ny).add(twoQ), wv, lo32(wsv), hi32(wsv), qv);
            }
            load(INV_OUT_X, 0).selectFrom(x, y).intoArray(a, c);
            load(INV_OUT_Y, 0).selectFrom(x, y).intoArray(a, c + LANES);
        }
    }

    private static void inverseHeadFp(long[] a, int n, long[] w, long[] wq, long q) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        for (int c = 0; c < n; c += 2 * LANES) {
            LongVector x = load(a, c);
            LongVector y = load(a, c + LANES);
            for (int s = 0; s < LOG_LANES; s++) {
                int t = 1 << s;
                LongVector ix = load(INV_IN_X[s], 0);
                LongVector iy = load(INV_IN_Y[s], 0);
                LongVector nx = ix.selectFrom(x, y);
                LongVector ny = iy.selectFrom(x, y);
                LongVector wv = stageTwiddles(w, n, c, t, s);
                DoubleVector wqv = stageTwiddles(wq, n, c, t, s).viewAsFloatingLanes();
                x = csub(nx.add(ny), twoQ);
                y = fpMulConst(nx.sub(ny).add(twoQ), wv, wqv, qv);
            }
            load(INV_OUT_X, 0).selectFrom(x, y).intoArray(a, c);
            load(INV_OUT_Y, 0).selectFrom(x, y).intoArray(a, c + LANES);
        }
    }

    private static void inverseStage(long[] a, int m, int t, long[] w, long[] ws, long q) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        for (int i = 0; i < m; i++) {
            LongVector wv = splat(w[m + i]);
            LongVector wsv = splat(ws[m + i]);
            LongVector wsLo = lo32(wsv);
            LongVector wsHi = hi32(wsv);
            int start = 2 * i * t;
            for (int j = start; j < start + t; j += LANES) {
                LongVector x = load(a, j);
                LongVector y = load(a, j + t);
                csub(x.add(y), twoQ).intoArray(a, j);
                shoupLazy(x.sub(y).add(twoQ), wv, wsLo, wsHi, qv).intoArray(a, j + t);
            }
        }
    }

    private static void inverseStageFp(long[] a, int m, int t, long[] w, long[] wq, long q) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        for (int i = 0; i < m; i++) {
            LongVector wv = splat(w[m + i]);
            DoubleVector wqv = splat(wq[m + i]).viewAsFloatingLanes();
            int start = 2 * i * t;
            for (int j = start; j < start + t; j += LANES) {
                LongVector x = load(a, j);
                LongVector y = load(a, j + t);
                csub(x.add(y), twoQ).intoArray(a, j);
                fpMulConst(x.sub(y).add(twoQ), wv, wqv, qv).intoArray(a, j + t);
            }
        }
    }

    /** Last inverse stage (one group of half-size t = N/2) fused with the N^-1 scaling; canonical output. */
    private static void inverseLast(long[] a, int t, long nInv, long nInvShoup, long wn, long wnShoup, long q) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector nv = splat(nInv);
        LongVector nsv = splat(nInvShoup);
        LongVector nsLo = lo32(nsv);
        LongVector nsHi = hi32(nsv);
        LongVector wv = splat(wn);
        LongVector wsv = splat(wnShoup);
        LongVector wsLo = lo32(wsv);
        LongVector wsHi = hi32(wsv);
        for (int j = 0; j < t; j += LANES) {
            LongVector x = load(a, j);
            LongVector y = load(a, j + t);
            csub(shoupLazy(x.add(y), nv, nsLo, nsHi, qv), qv).intoArray(a, j);
            csub(shoupLazy(x.sub(y).add(twoQ), wv, wsLo, wsHi, qv), qv).intoArray(a, j + t);
        }
    }

    private static void inverseLastFp(long[] a, int t, long nInv, long nInvQ, long wn, long wnQ, long q) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector nv = splat(nInv);
        DoubleVector nq = splat(nInvQ).viewAsFloatingLanes();
        LongVector wv = splat(wn);
        DoubleVector wq = splat(wnQ).viewAsFloatingLanes();
        for (int j = 0; j < t; j += LANES) {
            LongVector x = load(a, j);
            LongVector y = load(a, j + t);
            fpMulConst(x.add(y), nv, nq, qv).intoArray(a, j);
            fpMulConst(x.sub(y).add(twoQ), wv, wq, qv).intoArray(a, j + t);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Element-wise kernels

    @Override
    public void add(long[] a, long[] b, long[] out, Modulus q) {
        int n = a.length;
        int k = 0;
        if (!scalar(n)) {
            LongVector qv = splat(q.value());
            for (int bound = SPECIES.loopBound(n); k < bound; k += LANES) {
                csub(load(a, k).add(load(b, k)), qv).intoArray(out, k);
            }
        }
        for (; k < n; k++) {
            out[k] = q.add(a[k], b[k]);
        }
    }

    @Override
    public void subtract(long[] a, long[] b, long[] out, Modulus q) {
        int n = a.length;
        int k = 0;
        if (!scalar(n)) {
            LongVector qv = splat(q.value());
            for (int bound = SPECIES.loopBound(n); k < bound; k += LANES) {
                cadd(load(a, k).sub(load(b, k)), qv).intoArray(out, k);
            }
        }
        for (; k < n; k++) {
            out[k] = q.sub(a[k], b[k]);
        }
    }

    @Override
    public void negate(long[] a, long[] out, Modulus q) {
        int n = a.length;
        int k = 0;
        if (!scalar(n)) {
            LongVector qv = splat(q.value());
            for (int bound = SPECIES.loopBound(n); k < bound; k += LANES) {
                csub(qv.sub(load(a, k)), qv).intoArray(out, k);
            }
        }
        for (; k < n; k++) {
            out[k] = q.negate(a[k]);
        }
    }

    @Override
    public void addConstant(long[] a, long c, long[] out, Modulus q) {
        int n = a.length;
        int k = 0;
        if (!scalar(n)) {
            LongVector qv = splat(q.value());
            LongVector cv = splat(c);
            for (int bound = SPECIES.loopBound(n); k < bound; k += LANES) {
                csub(load(a, k).add(cv), qv).intoArray(out, k);
            }
        }
        for (; k < n; k++) {
            out[k] = q.add(a[k], c);
        }
    }

    @Override
    public void multiply(long[] a, long[] b, long[] out, Modulus q) {
        int n = a.length;
        int k = 0;
        if (!scalar(n)) {
            int bound = SPECIES.loopBound(n);
            if (fp(q)) {
                LongVector qv = splat(q.value());
                DoubleVector qInv = DoubleVector.broadcast(DSPECIES, 1.0 / q.value());
                for (; k < bound; k += LANES) {
                    fpMul(load(a, k), load(b, k), qInv, qv).intoArray(out, k);
                }
            } else {
                BarrettConstants bc = new BarrettConstants(q);
                for (; k < bound; k += LANES) {
                    barrettMul(load(a, k), load(b, k), bc).intoArray(out, k);
                }
            }
        }
        for (; k < n; k++) {
            out[k] = q.mul(a[k], b[k]);
        }
    }

    @Override
    public void multiplyAdd(long[] a, long[] b, long[] acc, Modulus q) {
        int n = a.length;
        int k = 0;
        if (!scalar(n)) {
            int bound = SPECIES.loopBound(n);
            LongVector qv = splat(q.value());
            if (fp(q)) {
                DoubleVector qInv = DoubleVector.broadcast(DSPECIES, 1.0 / q.value());
                for (; k < bound; k += LANES) {
                    csub(load(acc, k).add(fpMul(load(a, k), load(b, k), qInv, qv)), qv).intoArray(acc, k);
                }
            } else {
                BarrettConstants bc = new BarrettConstants(q);
                for (; k < bound; k += LANES) {
                    csub(load(acc, k).add(barrettMul(load(a, k), load(b, k), bc)), qv).intoArray(acc, k);
                }
            }
        }
        for (; k < n; k++) {
            acc[k] = q.add(acc[k], q.mul(a[k], b[k]));
        }
    }

    @Override
    public void multiplyConstant(long[] a, long c, long cShoup, long[] out, Modulus q) {
        int n = a.length;
        int k = 0;
        if (!scalar(n)) {
            int bound = SPECIES.loopBound(n);
            LongVector qv = splat(q.value());
            LongVector cv = splat(c);
            if (fp(q)) {
                DoubleVector cq = DoubleVector.broadcast(DSPECIES, (double) c / q.value());
                for (; k < bound; k += LANES) {
                    fpMulConst(load(a, k), cv, cq, qv).intoArray(out, k);
                }
            } else {
                LongVector cs = splat(cShoup);
                LongVector csLo = lo32(cs);
                LongVector csHi = hi32(cs);
                for (; k < bound; k += LANES) {
                    csub(shoupLazy(load(a, k), cv, csLo, csHi, qv), qv).intoArray(out, k);
                }
            }
        }
        for (; k < n; k++) {
            out[k] = q.mulShoup(a[k], c, cShoup);
        }
    }

    @Override
    public void multiplyConstantAdd(long[] a, long c, long cShoup, long[] acc, Modulus q) {
        int n = a.length;
        int k = 0;
        if (!scalar(n)) {
            int bound = SPECIES.loopBound(n);
            LongVector qv = splat(q.value());
            LongVector cv = splat(c);
            if (fp(q)) {
                DoubleVector cq = DoubleVector.broadcast(DSPECIES, (double) c / q.value());
                for (; k < bound; k += LANES) {
                    csub(load(acc, k).add(fpMulConst(load(a, k), cv, cq, qv)), qv).intoArray(acc, k);
                }
            } else {
                LongVector cs = splat(cShoup);
                LongVector csLo = lo32(cs);
                LongVector csHi = hi32(cs);
                for (; k < bound; k += LANES) {
                    LongVector p = csub(shoupLazy(load(a, k), cv, csLo, csHi, qv), qv);
                    csub(load(acc, k).add(p), qv).intoArray(acc, k);
                }
            }
        }
        for (; k < n; k++) {
            acc[k] = q.add(acc[k], q.mulShoup(a[k], c, cShoup));
        }
    }

    @Override
    public void subtractAndScale(long[] a, long[] b, long c, long cShoup, long[] out, Modulus q) {
        int n = a.length;
        int k = 0;
        if (!scalar(n)) {
            int bound = SPECIES.loopBound(n);
            LongVector qv = splat(q.value());
            LongVector cv = splat(c);
            if (fp(q)) {
                DoubleVector cq = DoubleVector.broadcast(DSPECIES, (double) c / q.value());
                for (; k < bound; k += LANES) {
                    fpMulConst(cadd(load(a, k).sub(load(b, k)), qv), cv, cq, qv).intoArray(out, k);
                }
            } else {
                LongVector cs = splat(cShoup);
                LongVector csLo = lo32(cs);
                LongVector csHi = hi32(cs);
                for (; k < bound; k += LANES) {
                    LongVector d = cadd(load(a, k).sub(load(b, k)), qv);
                    csub(shoupLazy(d, cv, csLo, csHi, qv), qv).intoArray(out, k);
                }
            }
        }
        for (; k < n; k++) {
            out[k] = q.mulShoup(q.sub(a[k], b[k]), c, cShoup);
        }
    }

    @Override
    public void permute(long[] a, int[] perm, long[] out) {
        int n = out.length;
        int k = 0;
        if (!scalar(n)) {
            for (int bound = SPECIES.loopBound(n); k < bound; k += LANES) {
                LongVector.fromArray(SPECIES, a, 0, perm, k).intoArray(out, k);
            }
        }
        for (; k < n; k++) {
            out[k] = a[perm[k]];
        }
    }

    @Override
    public void reduceCentered(long[] x, Modulus from, long[] out, Modulus to) {
        int n = x.length;
        if (scalar(n)) {
            SCALAR.reduceCentered(x, from, out, to);
            return;
        }
        long half = from.value() >>> 1;
        long fromModTo = to.reduce(from.value());
        long oneShoup = to.shoup(1);
        LongVector tv = splat(to.value());
        LongVector halfv = splat(half);
        LongVector fv = splat(fromModTo);
        LongVector os = splat(oneShoup);
        LongVector osLo = lo32(os);
        LongVector osHi = hi32(os);
        int k = 0;
        for (int bound = SPECIES.loopBound(n); k < bound; k += LANES) {
            LongVector xv = load(x, k);
            LongVector r = csub(xv.sub(mulHi(xv, osLo, osHi).mul(tv)), tv);
            VectorMask<Long> upper = xv.compare(VectorOperators.GT, halfv);
            r.blend(cadd(r.sub(fv), tv), upper).intoArray(out, k);
        }
        for (; k < n; k++) {
            long r = to.reduceWord(x[k]);
            out[k] = x[k] > half ? to.sub(r, fromModTo) : r;
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Multi-source kernels (blocked so the accumulator stays in L1)

    private static boolean aliases(long[] out, long[][] sources) {
        for (long[] s : sources) {
            if (s == out) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void linearCombination(long[][] ys, long[] c, long[] cShoup, long[] out, Modulus q) {
        int n = out.length;
        if (scalar(n) || ys.length == 0) {
            SCALAR.linearCombination(ys, c, cShoup, out, q);
            return;
        }
        if (aliases(out, ys)) {
            // The passes below write out before reading every source: work on a copy of the output.
            long[] tmp = new long[n];
            linearCombination(ys, c, cShoup, tmp, q);
            System.arraycopy(tmp, 0, out, 0, n);
            return;
        }
        int bound = SPECIES.loopBound(n);
        long qq = q.value();
        for (int start = 0; start < bound; start += BLOCK) {
            int end = Math.min(start + BLOCK, bound);
            for (int i = 0; i < ys.length; i++) {
                lcPass(ys[i], c[i], cShoup[i], out, start, end, qq, i == 0, i == ys.length - 1);
            }
        }
        long twoQ = 2 * qq;
        for (int k = bound; k < n; k++) {
            long acc = 0;
            for (int i = 0; i < ys.length; i++) {
                acc += q.mulShoupLazy(ys[i][k], c[i], cShoup[i]);
                if (acc >= twoQ) {
                    acc -= twoQ;
                }
            }
            out[k] = acc >= qq ? acc - qq : acc;
        }
    }

    /** acc[k] (+)= y[k]·c lazily in [0, 2q); the last pass reduces to [0, q). */
    private static void lcPass(long[] y, long c, long cShoup, long[] acc, int start, int end, long q,
                               boolean first, boolean last) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector cv = splat(c);
        LongVector cs = splat(cShoup);
        LongVector csLo = lo32(cs);
        LongVector csHi = hi32(cs);
        LongVector bound = last ? qv : twoQ;
        if (first) {
            for (int k = start; k < end; k += LANES) {
                LongVector p = shoupLazy(load(y, k), cv, csLo, csHi, qv);
                (last ? csub(p, qv) : p).intoArray(acc, k);
            }
        } else {
            for (int k = start; k < end; k += LANES) {
                LongVector s = csub(load(acc, k).add(shoupLazy(load(y, k), cv, csLo, csHi, qv)), twoQ);
                csub(s, bound).intoArray(acc, k);
            }
        }
    }

    @Override
    public void innerProduct(long[][] xs, int[] perm, long[][] w, long[][] wShoup, long[] out, Modulus q) {
        int n = out.length;
        if (scalar(n) || xs.length == 0) {
            SCALAR.innerProduct(xs, perm, w, wShoup, out, q);
            return;
        }
        if (aliases(out, xs) || aliases(out, w) || aliases(out, wShoup)) {
            long[] tmp = new long[n];
            innerProduct(xs, perm, w, wShoup, tmp, q);
            System.arraycopy(tmp, 0, out, 0, n);
            return;
        }
        int bound = SPECIES.loopBound(n);
        long qq = q.value();
        boolean fp = fp(q);
        for (int start = 0; start < bound; start += BLOCK) {
            int end = Math.min(start + BLOCK, bound);
            for (int j = 0; j < xs.length; j++) {
                boolean first = j == 0;
                boolean last = j == xs.length - 1;
                if (fp) {
                    ipPassFp(xs[j], perm, w[j], out, start, end, qq, first);
                } else if (perm == null) {
                    ipPass(xs[j], w[j], wShoup[j], out, start, end, qq, first, last);
                } else {
                    ipPassPerm(xs[j], perm, w[j], wShoup[j], out, start, end, qq, first, last);
                }
            }
        }
        long twoQ = 2 * qq;
        for (int k = bound; k < n; k++) {
            int src = perm == null ? k : perm[k];
            long acc = 0;
            for (int j = 0; j < xs.length; j++) {
                acc += q.mulShoupLazy(xs[j][src], w[j][k], wShoup[j][k]);
                if (acc >= twoQ) {
                    acc -= twoQ;
                }
            }
            out[k] = acc >= qq ? acc - qq : acc;
        }
    }

    private static void ipPass(long[] x, long[] w, long[] ws, long[] acc, int start, int end, long q,
                               boolean first, boolean last) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector bound = last ? qv : twoQ;
        if (first) {
            for (int k = start; k < end; k += LANES) {
                LongVector wsv = load(ws, k);
                LongVector p = shoupLazy(load(x, k), load(w, k), lo32(wsv), hi32(wsv), qv);
                (last ? csub(p, qv) : p).intoArray(acc, k);
            }
        } else {
            for (int k = start; k < end; k += LANES) {
                LongVector wsv = load(ws, k);
                LongVector p = shoupLazy(load(x, k), load(w, k), lo32(wsv), hi32(wsv), qv);
                csub(csub(load(acc, k).add(p), twoQ), bound).intoArray(acc, k);
            }
        }
    }

    private static void ipPassPerm(long[] x, int[] perm, long[] w, long[] ws, long[] acc, int start, int end,
                                   long q, boolean first, boolean last) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector bound = last ? qv : twoQ;
        if (first) {
            for (int k = start; k < end; k += LANES) {
                LongVector wsv = load(ws, k);
                LongVector xv = LongVector.fromArray(SPECIES, x, 0, perm, k);
                LongVector p = shoupLazy(xv, load(w, k), lo32(wsv), hi32(wsv), qv);
                (last ? csub(p, qv) : p).intoArray(acc, k);
            }
        } else {
            for (int k = start; k < end; k += LANES) {
                LongVector wsv = load(ws, k);
                LongVector xv = LongVector.fromArray(SPECIES, x, 0, perm, k);
                LongVector p = shoupLazy(xv, load(w, k), lo32(wsv), hi32(wsv), qv);
                csub(csub(load(acc, k).add(p), twoQ), bound).intoArray(acc, k);
            }
        }
    }

    /** Floating-point variant: canonical partial sums, perm may be null. */
    private static void ipPassFp(long[] x, int[] perm, long[] w, long[] acc, int start, int end, long q,
                                 boolean first) {
        LongVector qv = splat(q);
        DoubleVector qInv = DoubleVector.broadcast(DSPECIES, 1.0 / q);
        for (int k = start; k < end; k += LANES) {
            LongVector xv = perm == null ? load(x, k) : LongVector.fromArray(SPECIES, x, 0, perm, k);
            LongVector p = fpMul(xv, load(w, k), qInv, qv);
            (first ? p : csub(load(acc, k).add(p), qv)).intoArray(acc, k);
        }
    }
}
