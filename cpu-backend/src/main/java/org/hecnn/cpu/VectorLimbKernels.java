package org.hecnn.cpu;

import static jdk.incubator.vector.VectorOperators.L2D;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.UMIN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
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
 *   <li><b>Integer</b> (any q &lt; 2^61). Shoup's quotient ⌊y·w'/2^64⌋ (w' the Shoup companion) needs an unsigned
 *       64×64 high product, which the Vector API lacks; it is estimated from three 32×32→64 lane products,
 *       y_hi·w'_hi + ⌊y_lo·w'_hi / 2^32⌋ + ⌊y_hi·w'_lo / 2^32⌋, dropping y_lo·w'_lo and the carries. The estimate
 *       is at most 2 below the exact quotient, so y·w − estimate·q (exact mod 2^64) lies in [0, 4q) instead of
 *       Shoup's [0, 2q), and one extra conditional subtraction restores the usual bound (4q &lt; 2^63). Barrett
 *       (varying × varying, as {@link Modulus#reduceProduct}) uses the exact four-product high word.</li>
 *   <li><b>Floating point</b> (q &lt; 2^{@value NttPlan#FP_MAX_BITS}): the quotient ⌊x·w/q⌋ is estimated as
 *       round(x · fl(w/q)) with one FMA against the magic constant 2^52 (which rounds to an integer and leaves
 *       it in the low mantissa bits). For x &lt; 2^52 and x·w/q &lt; 2^52 the relative error of fl(w/q) is at
 *       most 2^-53, so the estimate is the true quotient or one more, and x·w − estimate·q, computed exactly
 *       mod 2^64 with 64-bit lane multiplies, lies in [−q, q): one conditional add of q makes it canonical.
 *       For a varying multiplier the estimate is round(fl(a·b) · fl(1/q)), off by less than 0.25 for a, b &lt; q
 *       &lt; 2^50, with the same conclusion.</li>
 * </ul>
 * Conditional subtractions are branch-free: min_unsigned(x, x − m). Vector code runs for N ≥ {@link #MIN_N};
 * shorter arrays and loop tails use the scalar formulas.
 *
 * <p>The NTT follows {@link Ntt}'s Harvey butterflies with lazy values below 4q: stages with half-size
 * t ≥ lanes broadcast one twiddle per group; the last log2(lanes) stages of the forward transform (first of
 * the inverse) are fused into one pass over blocks of 2·lanes elements that moves lanes between stages with
 * two-vector permutes ({@code selectFrom}); for 8 lanes that pass is generated code
 * ({@code tools/gen_ntt_tail.py}) interleaving two blocks, since one block's three dependent stages leave the
 * core waiting on latency. The final reduction (forward) and the N^-1 scaling (inverse, folded into the last
 * stage's twiddle) are fused too. A scalar radix-8 pass for those stages measured 2-2.5× slower
 * (system property {@code hecnn.cpu.nttTail=scalar} selects it, for comparison).
 *
 * <p>Implementation notes. Loop bodies call only Vector API methods (which are force-inlined), never helper
 * methods of this class: C2 stops inlining ordinary methods once a compilation has created
 * NodeCountInliningCutoff (18000) nodes, which the Vector API reaches after about two modular products, and a
 * helper left out-of-line boxes its vectors and runs 10-100× slower. Until C2 has compiled a kernel it runs in
 * the interpreter or C1, where each lane operation allocates: the first seconds after JVM start are slow.
 */
public final class VectorLimbKernels implements LimbKernels {
    static final VectorSpecies<Long> SPECIES = LongVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DSPECIES = DoubleVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    /** Ints with as many lanes as {@link #SPECIES} (for the int[] quotient arrays). */
    static final VectorSpecies<Integer> ISPECIES =
            VectorSpecies.of(int.class, VectorShape.forBitSize(Math.max(64, LANES * 32)));
    static final int LOG_LANES = Integer.numberOfTrailingZeros(LANES);
    /** Smallest N the vector code handles; below it everything is scalar. */
    static final int MIN_N = Math.max(16, 2 * LANES);
    private static final boolean VECTOR = LANES >= 2 && DSPECIES.length() == LANES && ISPECIES.length() == LANES;
    private static final long M32 = 0xFFFFFFFFL;
    private static final double MAGIC = 0x1p52;
    private static final long MAGIC_BITS = Double.doubleToRawLongBits(MAGIC);
    /** Elements per block in the multi-source kernels (keeps the accumulator in L1). */
    private static final int BLOCK = 1024;
    /**
     * How the last log2(lanes) forward stages (first inverse stages) run: "vector" (lane permutes, the default)
     * or "scalar" (a scalar pass over blocks of lanes elements). System property {@code hecnn.cpu.nttTail}.
     */
    static final boolean SCALAR_TAIL = "scalar".equals(System.getProperty("hecnn.cpu.nttTail"));

    /** Permutes into the per-stage lane layouts of the fused NTT tail/head: see {@link #layoutIndex}. */
    private static final long[][] FWD_IN_X = new long[LOG_LANES][];
    private static final long[][] FWD_IN_Y = new long[LOG_LANES][];
    private static final long[] FWD_OUT_X;
    private static final long[] FWD_OUT_Y;
    private static final long[][] INV_IN_X = new long[LOG_LANES][];
    private static final long[][] INV_IN_Y = new long[LOG_LANES][];
    private static final long[] INV_OUT_X;
    private static final long[] INV_OUT_Y;
    /** DUP[s][l] = l / 2^s: spreads one twiddle over the 2^s lanes of a group. */
    private static final long[][] DUP = new long[Math.max(LOG_LANES, 1)][];

    static {
        for (int s = 0; s < LOG_LANES; s++) {
            int t = 1 << s;
            DUP[s] = new long[LANES];
            for (int l = 0; l < LANES; l++) {
                DUP[s][l] = l / t;
            }
            // Forward fused stage s has half-size LANES >> (s + 1) and is entered from twice that.
            int tf = LANES >> (s + 1);
            FWD_IN_X[s] = transition(2 * tf, tf, false);
            FWD_IN_Y[s] = transition(2 * tf, tf, true);
            // Inverse fused stage s has half-size 2^s and is entered from LANES (s = 0) or 2^(s-1).
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

    private static LongVector splat(long v) {
        return LongVector.broadcast(SPECIES, v);
    }

    private static DoubleVector splatBits(long bits) {
        return LongVector.broadcast(SPECIES, bits).viewAsFloatingLanes();
    }

    private static DoubleVector splat(double v) {
        return DoubleVector.broadcast(DSPECIES, v);
    }

    // ------------------------------------------------------------------------------------------------------
    // NTT

    /** A radix-2 stage restricted to groups [i0, i1) and, within each group, butterflies [j0, j1). */
    interface StageChunk {
        void run(int i0, int i1, int j0, int j1);
    }

    /**
     * Runs a stage of m groups of t butterflies in calls of about BLOCK/2 butterflies. Short calls matter to the
     * JIT, not to the steady state: HotSpot compiles a method with C2 after enough invocations, or compiles
     * its loop on-stack (OSR, a second expensive C2 compilation) after enough iterations of one long call, and
     * until then Vector API code is 10-1000x slower; many short calls get the standard compilation early.
     */
    static void inChunks(int m, int t, StageChunk body) {
        int chunk = BLOCK / 2;
        if (t >= chunk) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < t; j += chunk) {
                    body.run(i, i + 1, j, j + chunk);
                }
            }
        } else {
            int groups = chunk / t;
            for (int i = 0; i < m; i += groups) {
                body.run(i, Math.min(i + groups, m), 0, t);
            }
        }
    }

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
        long[] ws = table.forwardTwiddlesShoup();
        if (plan.fp) {
            long[] wq = plan.forwardQuotients;
            for (int m = 1, t = n >>> 1; t >= LANES; m <<= 1, t >>>= 1) {
                int mm = m;
                int tt = t;
                inChunks(m, t, (i0, i1, j0, j1) -> forwardStageFp(a, mm, tt, w, wq, q, i0, i1, j0, j1));
            }
            if (SCALAR_TAIL) {
                forwardTailScalar(a, n, w, ws, q);
            } else if (LANES == 8 && n >= 32) {
                for (int c = 0; c < n; c += BLOCK) {
                    forwardTail8Fp(a, n, w, wq, q, c, Math.min(c + BLOCK, n));
                }
            } else {
                for (int c = 0; c < n; c += BLOCK) {
                    forwardTailFp(a, n, w, wq, q, c, Math.min(c + BLOCK, n));
                }
            }
        } else {
            for (int m = 1, t = n >>> 1; t >= LANES; m <<= 1, t >>>= 1) {
                int mm = m;
                int tt = t;
                inChunks(m, t, (i0, i1, j0, j1) -> forwardStage(a, mm, tt, w, ws, q, i0, i1, j0, j1));
            }
            if (SCALAR_TAIL) {
                forwardTailScalar(a, n, w, ws, q);
            } else if (LANES == 8 && n >= 32) {
                for (int c = 0; c < n; c += BLOCK) {
                    forwardTail8(a, n, w, ws, q, c, Math.min(c + BLOCK, n));
                }
            } else {
                for (int c = 0; c < n; c += BLOCK) {
                    forwardTail(a, n, w, ws, q, c, Math.min(c + BLOCK, n));
                }
            }
        }
    }

    /** One radix-2 forward stage with half-size t ≥ LANES: m groups, one broadcast twiddle each. */
    static void forwardStage(long[] a, int m, int t, long[] w, long[] ws, long q, int i0, int i1, int j0, int j1) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector m32 = splat(M32);
        for (int i = i0; i < i1; i++) {
            LongVector wv = splat(w[m + i]);
            LongVector wsv = splat(ws[m + i]);
            LongVector wsLo = wsv.and(m32);
            LongVector wsHi = wsv.lanewise(LSHR, 32);
            int start = 2 * i * t;
            for (int j = start + j0; j < start + j1; j += LANES) {
                LongVector x = LongVector.fromArray(SPECIES, a, j);
                LongVector y = LongVector.fromArray(SPECIES, a, j + t);
                x = x.lanewise(UMIN, x.sub(twoQ));
                // p = y·w mod q in [0, 2q) (Shoup, high product from 32-bit halves)
                LongVector yLo = y.and(m32);
                LongVector yHi = y.lanewise(LSHR, 32);
                LongVector hi = yHi.mul(wsHi).add(yLo.mul(wsHi).lanewise(LSHR, 32))
                        .add(yHi.mul(wsLo).lanewise(LSHR, 32));
                LongVector p = y.mul(wv).sub(hi.mul(qv));
                p = p.lanewise(UMIN, p.sub(twoQ));
                x.add(p).intoArray(a, j);
                x.sub(p).add(twoQ).intoArray(a, j + t);
            }
        }
    }

    static void forwardStageFp(long[] a, int m, int t, long[] w, long[] wq, long q, int i0, int i1, int j0, int j1) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        DoubleVector magic = splat(MAGIC);
        LongVector magicBits = splat(MAGIC_BITS);
        for (int i = i0; i < i1; i++) {
            LongVector wv = splat(w[m + i]);
            DoubleVector wqv = splatBits(wq[m + i]);
            int start = 2 * i * t;
            for (int j = start + j0; j < start + j1; j += LANES) {
                LongVector x = LongVector.fromArray(SPECIES, a, j);
                LongVector y = LongVector.fromArray(SPECIES, a, j + t);
                x = x.lanewise(UMIN, x.sub(twoQ));
                // p = y·w mod q in [0, q) (floating-point quotient estimate)
                DoubleVector yd = (DoubleVector) y.convert(L2D, 0);
                LongVector est = yd.fma(wqv, magic).viewAsIntegralLanes().sub(magicBits);
                LongVector r = y.mul(wv).sub(est.mul(qv));
                LongVector p = r.lanewise(UMIN, r.add(qv));
                x.add(p).intoArray(a, j);
                x.sub(p).add(twoQ).intoArray(a, j + t);
            }
        }
    }

    /** The last log2(LANES) forward stages plus the final reduction, per block of 2·LANES elements. */
    static void forwardTail(long[] a, int n, long[] w, long[] ws, long q, int from, int to) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector m32 = splat(M32);
        for (int c = from; c < to; c += 2 * LANES) {
            LongVector x = LongVector.fromArray(SPECIES, a, c);
            LongVector y = LongVector.fromArray(SPECIES, a, c + LANES);
            for (int s = 0; s < LOG_LANES; s++) {
                int d = LOG_LANES - 1 - s;
                int t = 1 << d;
                LongVector nx = LongVector.fromArray(SPECIES, FWD_IN_X[s], 0).selectFrom(x, y);
                LongVector ny = LongVector.fromArray(SPECIES, FWD_IN_Y[s], 0).selectFrom(x, y);
                int base = (n + c) >>> (d + 1);
                LongVector wv = LongVector.fromArray(SPECIES, w, base);
                LongVector wsv = LongVector.fromArray(SPECIES, ws, base);
                if (t > 1) {
                    LongVector dup = LongVector.fromArray(SPECIES, DUP[d], 0);
                    wv = dup.selectFrom(wv);
                    wsv = dup.selectFrom(wsv);
                }
                nx = nx.lanewise(UMIN, nx.sub(twoQ));
                LongVector wsLo = wsv.and(m32);
                LongVector wsHi = wsv.lanewise(LSHR, 32);
                LongVector yLo = ny.and(m32);
                LongVector yHi = ny.lanewise(LSHR, 32);
                LongVector hi = yHi.mul(wsHi).add(yLo.mul(wsHi).lanewise(LSHR, 32))
                        .add(yHi.mul(wsLo).lanewise(LSHR, 32));
                LongVector p = ny.mul(wv).sub(hi.mul(qv));
                p = p.lanewise(UMIN, p.sub(twoQ));
                x = nx.add(p);
                y = nx.sub(p).add(twoQ);
            }
            LongVector ox = LongVector.fromArray(SPECIES, FWD_OUT_X, 0).selectFrom(x, y);
            LongVector oy = LongVector.fromArray(SPECIES, FWD_OUT_Y, 0).selectFrom(x, y);
            ox = ox.lanewise(UMIN, ox.sub(twoQ));
            oy = oy.lanewise(UMIN, oy.sub(twoQ));
            ox.lanewise(UMIN, ox.sub(qv)).intoArray(a, c);
            oy.lanewise(UMIN, oy.sub(qv)).intoArray(a, c + LANES);
        }
    }

    static void forwardTailFp(long[] a, int n, long[] w, long[] wq, long q, int from, int to) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        DoubleVector magic = splat(MAGIC);
        LongVector magicBits = splat(MAGIC_BITS);
        for (int c = from; c < to; c += 2 * LANES) {
            LongVector x = LongVector.fromArray(SPECIES, a, c);
            LongVector y = LongVector.fromArray(SPECIES, a, c + LANES);
            for (int s = 0; s < LOG_LANES; s++) {
                int d = LOG_LANES - 1 - s;
                int t = 1 << d;
                LongVector nx = LongVector.fromArray(SPECIES, FWD_IN_X[s], 0).selectFrom(x, y);
                LongVector ny = LongVector.fromArray(SPECIES, FWD_IN_Y[s], 0).selectFrom(x, y);
                int base = (n + c) >>> (d + 1);
                LongVector wv = LongVector.fromArray(SPECIES, w, base);
                LongVector wqb = LongVector.fromArray(SPECIES, wq, base);
                if (t > 1) {
                    LongVector dup = LongVector.fromArray(SPECIES, DUP[d], 0);
                    wv = dup.selectFrom(wv);
                    wqb = dup.selectFrom(wqb);
                }
                nx = nx.lanewise(UMIN, nx.sub(twoQ));
                DoubleVector yd = (DoubleVector) ny.convert(L2D, 0);
                LongVector est = yd.fma(wqb.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector r = ny.mul(wv).sub(est.mul(qv));
                LongVector p = r.lanewise(UMIN, r.add(qv));
                x = nx.add(p);
                y = nx.sub(p).add(twoQ);
            }
            LongVector ox = LongVector.fromArray(SPECIES, FWD_OUT_X, 0).selectFrom(x, y);
            LongVector oy = LongVector.fromArray(SPECIES, FWD_OUT_Y, 0).selectFrom(x, y);
            ox = ox.lanewise(UMIN, ox.sub(twoQ));
            oy = oy.lanewise(UMIN, oy.sub(twoQ));
            ox.lanewise(UMIN, ox.sub(qv)).intoArray(a, c);
            oy.lanewise(UMIN, oy.sub(qv)).intoArray(a, c + LANES);
        }
    }

    /**
     * Scalar alternative to {@link #forwardTail}: one fused radix-2^k pass (k = log2 LANES) over blocks of
     * LANES elements, values in locals, plus the final reduction.
     */
    static void forwardTailScalar(long[] a, int n, long[] w, long[] ws, long q) {
        if (LANES != 8) {
            forwardTailScalarGeneric(a, n, w, ws, q);
            return;
        }
        long twoQ = 2 * q;
        int m4 = n >>> 3;
        int m2 = n >>> 2;
        int m1 = n >>> 1;
        for (int c = 0, b = 0; c < n; c += 8, b++) {
            long a0 = a[c];
            long a1 = a[c + 1];
            long a2 = a[c + 2];
            long a3 = a[c + 3];
            long a4 = a[c + 4];
            long a5 = a[c + 5];
            long a6 = a[c + 6];
            long a7 = a[c + 7];
            // t = 4
            long wi = w[m4 + b];
            long wsi = ws[m4 + b];
            long p;
            a0 = csub(a0, twoQ);
            a1 = csub(a1, twoQ);
            a2 = csub(a2, twoQ);
            a3 = csub(a3, twoQ);
            p = a4 * wi - Math.unsignedMultiplyHigh(a4, wsi) * q;
            a4 = a0 - p + twoQ;
            a0 += p;
            p = a5 * wi - Math.unsignedMultiplyHigh(a5, wsi) * q;
            a5 = a1 - p + twoQ;
            a1 += p;
            p = a6 * wi - Math.unsignedMultiplyHigh(a6, wsi) * q;
            a6 = a2 - p + twoQ;
            a2 += p;
            p = a7 * wi - Math.unsignedMultiplyHigh(a7, wsi) * q;
            a7 = a3 - p + twoQ;
            a3 += p;
            // t = 2
            wi = w[m2 + 2 * b];
            wsi = ws[m2 + 2 * b];
            a0 = csub(a0, twoQ);
            a1 = csub(a1, twoQ);
            p = a2 * wi - Math.unsignedMultiplyHigh(a2, wsi) * q;
            a2 = a0 - p + twoQ;
            a0 += p;
            p = a3 * wi - Math.unsignedMultiplyHigh(a3, wsi) * q;
            a3 = a1 - p + twoQ;
            a1 += p;
            wi = w[m2 + 2 * b + 1];
            wsi = ws[m2 + 2 * b + 1];
            a4 = csub(a4, twoQ);
            a5 = csub(a5, twoQ);
            p = a6 * wi - Math.unsignedMultiplyHigh(a6, wsi) * q;
            a6 = a4 - p + twoQ;
            a4 += p;
            p = a7 * wi - Math.unsignedMultiplyHigh(a7, wsi) * q;
            a7 = a5 - p + twoQ;
            a5 += p;
            // t = 1
            int base = m1 + 4 * b;
            a0 = csub(a0, twoQ);
            p = a1 * w[base] - Math.unsignedMultiplyHigh(a1, ws[base]) * q;
            a1 = a0 - p + twoQ;
            a0 += p;
            a2 = csub(a2, twoQ);
            p = a3 * w[base + 1] - Math.unsignedMultiplyHigh(a3, ws[base + 1]) * q;
            a3 = a2 - p + twoQ;
            a2 += p;
            a4 = csub(a4, twoQ);
            p = a5 * w[base + 2] - Math.unsignedMultiplyHigh(a5, ws[base + 2]) * q;
            a5 = a4 - p + twoQ;
            a4 += p;
            a6 = csub(a6, twoQ);
            p = a7 * w[base + 3] - Math.unsignedMultiplyHigh(a7, ws[base + 3]) * q;
            a7 = a6 - p + twoQ;
            a6 += p;
            a[c] = reduce4(a0, q, twoQ);
            a[c + 1] = reduce4(a1, q, twoQ);
            a[c + 2] = reduce4(a2, q, twoQ);
            a[c + 3] = reduce4(a3, q, twoQ);
            a[c + 4] = reduce4(a4, q, twoQ);
            a[c + 5] = reduce4(a5, q, twoQ);
            a[c + 6] = reduce4(a6, q, twoQ);
            a[c + 7] = reduce4(a7, q, twoQ);
        }
    }

    private static long reduce4(long x, long q, long twoQ) {
        return csub(csub(x, twoQ), q);
    }

    /** x ≥ m ? x − m : x without a branch (the comparisons here are data-dependent coin flips). */
    private static long csub(long x, long m) {
        long y = x - m;
        return y + ((y >> 63) & m);
    }

    private static void forwardTailScalarGeneric(long[] a, int n, long[] w, long[] ws, long q) {
        long twoQ = 2 * q;
        for (int c = 0; c < n; c += LANES) {
            for (int d = LOG_LANES - 1; d >= 0; d--) {
                int t = 1 << d;
                int m = n >>> (d + 1);
                for (int g = c; g < c + LANES; g += 2 * t) {
                    int idx = m + (g >>> (d + 1));
                    long wi = w[idx];
                    long wsi = ws[idx];
                    for (int j = g; j < g + t; j++) {
                        long x = a[j];
                        if (x >= twoQ) {
                            x -= twoQ;
                        }
                        long y = a[j + t];
                        long prod = y * wi - Math.unsignedMultiplyHigh(y, wsi) * q;
                        a[j] = x + prod;
                        a[j + t] = x - prod + twoQ;
                    }
                }
            }
            for (int j = c; j < c + LANES; j++) {
                a[j] = reduce4(a[j], q, twoQ);
            }
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
        long[] ws = table.inverseTwiddlesShoup();
        if (plan.fp) {
            long[] wq = plan.inverseQuotients;
            if (SCALAR_TAIL) {
                inverseHeadScalar(a, n, w, ws, q);
            } else if (LANES == 8 && n >= 32) {
                for (int c = 0; c < n; c += BLOCK) {
                    inverseHead8Fp(a, n, w, wq, q, c, Math.min(c + BLOCK, n));
                }
            } else {
                for (int c = 0; c < n; c += BLOCK) {
                    inverseHeadFp(a, n, w, wq, q, c, Math.min(c + BLOCK, n));
                }
            }
            for (int m = n / (2 * LANES), t = LANES; m > 1; m >>>= 1, t <<= 1) {
                int mm = m;
                int tt = t;
                inChunks(m, t, (i0, i1, j0, j1) -> inverseStageFp(a, mm, tt, w, wq, q, i0, i1, j0, j1));
            }
            for (int j = 0; j < n >>> 1; j += BLOCK / 2) {
                inverseLastFp(a, n >>> 1, table.nInverse(), plan.nInverseQuotient, plan.lastTwiddle,
                        plan.lastTwiddleQuotient, q, j, Math.min(j + BLOCK / 2, n >>> 1));
            }
        } else {
            if (SCALAR_TAIL) {
                inverseHeadScalar(a, n, w, ws, q);
            } else if (LANES == 8 && n >= 32) {
                for (int c = 0; c < n; c += BLOCK) {
                    inverseHead8(a, n, w, ws, q, c, Math.min(c + BLOCK, n));
                }
            } else {
                for (int c = 0; c < n; c += BLOCK) {
                    inverseHead(a, n, w, ws, q, c, Math.min(c + BLOCK, n));
                }
            }
            for (int m = n / (2 * LANES), t = LANES; m > 1; m >>>= 1, t <<= 1) {
                int mm = m;
                int tt = t;
                inChunks(m, t, (i0, i1, j0, j1) -> inverseStage(a, mm, tt, w, ws, q, i0, i1, j0, j1));
            }
            for (int j = 0; j < n >>> 1; j += BLOCK / 2) {
                inverseLast(a, n >>> 1, table.nInverse(), table.nInverseShoup(), plan.lastTwiddle,
                        plan.lastTwiddleShoup, q, j, Math.min(j + BLOCK / 2, n >>> 1));
            }
        }
    }

    /** The first log2(LANES) inverse stages (half-sizes 1 .. LANES/2), per block of 2·LANES elements. */
    static void inverseHead(long[] a, int n, long[] w, long[] ws, long q, int from, int to) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector m32 = splat(M32);
        for (int c = from; c < to; c += 2 * LANES) {
            LongVector x = LongVector.fromArray(SPECIES, a, c);
            LongVector y = LongVector.fromArray(SPECIES, a, c + LANES);
            for (int s = 0; s < LOG_LANES; s++) {
                int t = 1 << s;
                LongVector nx = LongVector.fromArray(SPECIES, INV_IN_X[s], 0).selectFrom(x, y);
                LongVector ny = LongVector.fromArray(SPECIES, INV_IN_Y[s], 0).selectFrom(x, y);
                int base = (n + c) >>> (s + 1);
                LongVector wv = LongVector.fromArray(SPECIES, w, base);
                LongVector wsv = LongVector.fromArray(SPECIES, ws, base);
                if (t > 1) {
                    LongVector dup = LongVector.fromArray(SPECIES, DUP[s], 0);
                    wv = dup.selectFrom(wv);
                    wsv = dup.selectFrom(wsv);
                }
                LongVector u = nx.add(ny);
                LongVector v = nx.sub(ny).add(twoQ);
                LongVector wsLo = wsv.and(m32);
                LongVector wsHi = wsv.lanewise(LSHR, 32);
                LongVector vLo = v.and(m32);
                LongVector vHi = v.lanewise(LSHR, 32);
                LongVector hi = vHi.mul(wsHi).add(vLo.mul(wsHi).lanewise(LSHR, 32))
                        .add(vHi.mul(wsLo).lanewise(LSHR, 32));
                x = u.lanewise(UMIN, u.sub(twoQ));
                LongVector p = v.mul(wv).sub(hi.mul(qv));
                y = p.lanewise(UMIN, p.sub(twoQ));
            }
            LongVector.fromArray(SPECIES, INV_OUT_X, 0).selectFrom(x, y).intoArray(a, c);
            LongVector.fromArray(SPECIES, INV_OUT_Y, 0).selectFrom(x, y).intoArray(a, c + LANES);
        }
    }

    static void inverseHeadFp(long[] a, int n, long[] w, long[] wq, long q, int from, int to) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        DoubleVector magic = splat(MAGIC);
        LongVector magicBits = splat(MAGIC_BITS);
        for (int c = from; c < to; c += 2 * LANES) {
            LongVector x = LongVector.fromArray(SPECIES, a, c);
            LongVector y = LongVector.fromArray(SPECIES, a, c + LANES);
            for (int s = 0; s < LOG_LANES; s++) {
                int t = 1 << s;
                LongVector nx = LongVector.fromArray(SPECIES, INV_IN_X[s], 0).selectFrom(x, y);
                LongVector ny = LongVector.fromArray(SPECIES, INV_IN_Y[s], 0).selectFrom(x, y);
                int base = (n + c) >>> (s + 1);
                LongVector wv = LongVector.fromArray(SPECIES, w, base);
                LongVector wqb = LongVector.fromArray(SPECIES, wq, base);
                if (t > 1) {
                    LongVector dup = LongVector.fromArray(SPECIES, DUP[s], 0);
                    wv = dup.selectFrom(wv);
                    wqb = dup.selectFrom(wqb);
                }
                LongVector u = nx.add(ny);
                LongVector v = nx.sub(ny).add(twoQ);
                DoubleVector vd = (DoubleVector) v.convert(L2D, 0);
                LongVector est = vd.fma(wqb.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector r = v.mul(wv).sub(est.mul(qv));
                x = u.lanewise(UMIN, u.sub(twoQ));
                y = r.lanewise(UMIN, r.add(qv));
            }
            LongVector.fromArray(SPECIES, INV_OUT_X, 0).selectFrom(x, y).intoArray(a, c);
            LongVector.fromArray(SPECIES, INV_OUT_Y, 0).selectFrom(x, y).intoArray(a, c + LANES);
        }
    }

    /** Scalar alternative to {@link #inverseHead}: a fused radix-2^k pass over blocks of LANES elements. */
    static void inverseHeadScalar(long[] a, int n, long[] w, long[] ws, long q) {
        if (LANES != 8) {
            inverseHeadScalarGeneric(a, n, w, ws, q);
            return;
        }
        long twoQ = 2 * q;
        int m1 = n >>> 1;
        int m2 = n >>> 2;
        int m4 = n >>> 3;
        for (int c = 0, b = 0; c < n; c += 8, b++) {
            long a0 = a[c];
            long a1 = a[c + 1];
            long a2 = a[c + 2];
            long a3 = a[c + 3];
            long a4 = a[c + 4];
            long a5 = a[c + 5];
            long a6 = a[c + 6];
            long a7 = a[c + 7];
            long u;
            long v;
            // t = 1
            int base = m1 + 4 * b;
            u = a0 + a1;
            v = a0 - a1 + twoQ;
            a0 = csub(u, twoQ);
            a1 = v * w[base] - Math.unsignedMultiplyHigh(v, ws[base]) * q;
            u = a2 + a3;
            v = a2 - a3 + twoQ;
            a2 = csub(u, twoQ);
            a3 = v * w[base + 1] - Math.unsignedMultiplyHigh(v, ws[base + 1]) * q;
            u = a4 + a5;
            v = a4 - a5 + twoQ;
            a4 = csub(u, twoQ);
            a5 = v * w[base + 2] - Math.unsignedMultiplyHigh(v, ws[base + 2]) * q;
            u = a6 + a7;
            v = a6 - a7 + twoQ;
            a6 = csub(u, twoQ);
            a7 = v * w[base + 3] - Math.unsignedMultiplyHigh(v, ws[base + 3]) * q;
            // t = 2
            long wi = w[m2 + 2 * b];
            long wsi = ws[m2 + 2 * b];
            u = a0 + a2;
            v = a0 - a2 + twoQ;
            a0 = csub(u, twoQ);
            a2 = v * wi - Math.unsignedMultiplyHigh(v, wsi) * q;
            u = a1 + a3;
            v = a1 - a3 + twoQ;
            a1 = csub(u, twoQ);
            a3 = v * wi - Math.unsignedMultiplyHigh(v, wsi) * q;
            wi = w[m2 + 2 * b + 1];
            wsi = ws[m2 + 2 * b + 1];
            u = a4 + a6;
            v = a4 - a6 + twoQ;
            a4 = csub(u, twoQ);
            a6 = v * wi - Math.unsignedMultiplyHigh(v, wsi) * q;
            u = a5 + a7;
            v = a5 - a7 + twoQ;
            a5 = csub(u, twoQ);
            a7 = v * wi - Math.unsignedMultiplyHigh(v, wsi) * q;
            // t = 4
            wi = w[m4 + b];
            wsi = ws[m4 + b];
            u = a0 + a4;
            v = a0 - a4 + twoQ;
            a[c] = csub(u, twoQ);
            a[c + 4] = v * wi - Math.unsignedMultiplyHigh(v, wsi) * q;
            u = a1 + a5;
            v = a1 - a5 + twoQ;
            a[c + 1] = csub(u, twoQ);
            a[c + 5] = v * wi - Math.unsignedMultiplyHigh(v, wsi) * q;
            u = a2 + a6;
            v = a2 - a6 + twoQ;
            a[c + 2] = csub(u, twoQ);
            a[c + 6] = v * wi - Math.unsignedMultiplyHigh(v, wsi) * q;
            u = a3 + a7;
            v = a3 - a7 + twoQ;
            a[c + 3] = csub(u, twoQ);
            a[c + 7] = v * wi - Math.unsignedMultiplyHigh(v, wsi) * q;
        }
    }

    private static void inverseHeadScalarGeneric(long[] a, int n, long[] w, long[] ws, long q) {
        long twoQ = 2 * q;
        for (int c = 0; c < n; c += LANES) {
            for (int d = 0; d < LOG_LANES; d++) {
                int t = 1 << d;
                int m = n >>> (d + 1);
                for (int g = c; g < c + LANES; g += 2 * t) {
                    int idx = m + (g >>> (d + 1));
                    long wi = w[idx];
                    long wsi = ws[idx];
                    for (int j = g; j < g + t; j++) {
                        long x = a[j];
                        long y = a[j + t];
                        long u = x + y;
                        if (u >= twoQ) {
                            u -= twoQ;
                        }
                        long v = x - y + twoQ;
                        a[j] = u;
                        a[j + t] = v * wi - Math.unsignedMultiplyHigh(v, wsi) * q;
                    }
                }
            }
        }
    }

    static void inverseStage(long[] a, int m, int t, long[] w, long[] ws, long q, int i0, int i1, int j0, int j1) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector m32 = splat(M32);
        for (int i = i0; i < i1; i++) {
            LongVector wv = splat(w[m + i]);
            LongVector wsv = splat(ws[m + i]);
            LongVector wsLo = wsv.and(m32);
            LongVector wsHi = wsv.lanewise(LSHR, 32);
            int start = 2 * i * t;
            for (int j = start + j0; j < start + j1; j += LANES) {
                LongVector x = LongVector.fromArray(SPECIES, a, j);
                LongVector y = LongVector.fromArray(SPECIES, a, j + t);
                LongVector u = x.add(y);
                LongVector v = x.sub(y).add(twoQ);
                LongVector vLo = v.and(m32);
                LongVector vHi = v.lanewise(LSHR, 32);
                LongVector hi = vHi.mul(wsHi).add(vLo.mul(wsHi).lanewise(LSHR, 32))
                        .add(vHi.mul(wsLo).lanewise(LSHR, 32));
                u.lanewise(UMIN, u.sub(twoQ)).intoArray(a, j);
                LongVector p = v.mul(wv).sub(hi.mul(qv));
                p.lanewise(UMIN, p.sub(twoQ)).intoArray(a, j + t);
            }
        }
    }

    static void inverseStageFp(long[] a, int m, int t, long[] w, long[] wq, long q, int i0, int i1, int j0, int j1) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        DoubleVector magic = splat(MAGIC);
        LongVector magicBits = splat(MAGIC_BITS);
        for (int i = i0; i < i1; i++) {
            LongVector wv = splat(w[m + i]);
            DoubleVector wqv = splatBits(wq[m + i]);
            int start = 2 * i * t;
            for (int j = start + j0; j < start + j1; j += LANES) {
                LongVector x = LongVector.fromArray(SPECIES, a, j);
                LongVector y = LongVector.fromArray(SPECIES, a, j + t);
                LongVector u = x.add(y);
                LongVector v = x.sub(y).add(twoQ);
                DoubleVector vd = (DoubleVector) v.convert(L2D, 0);
                LongVector est = vd.fma(wqv, magic).viewAsIntegralLanes().sub(magicBits);
                LongVector r = v.mul(wv).sub(est.mul(qv));
                u.lanewise(UMIN, u.sub(twoQ)).intoArray(a, j);
                r.lanewise(UMIN, r.add(qv)).intoArray(a, j + t);
            }
        }
    }

    /**
     * Last inverse stage (one group of half-size t = N/2) fused with the N^-1 scaling: a[j] = (x+y)·N^-1,
     * a[j+t] = (x−y)·(w·N^-1), canonical. Two passes (one product each) keep each loop body small.
     */
    static void inverseLast(long[] a, int t, long nInv, long nInvShoup, long wn, long wnShoup, long q, int j0, int j1) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector m32 = splat(M32);
        LongVector nv = splat(nInv);
        LongVector nsv = splat(nInvShoup);
        LongVector nsLo = nsv.and(m32);
        LongVector nsHi = nsv.lanewise(LSHR, 32);
        LongVector wv = splat(wn);
        LongVector wsv = splat(wnShoup);
        LongVector wsLo = wsv.and(m32);
        LongVector wsHi = wsv.lanewise(LSHR, 32);
        for (int j = j0; j < j1; j += LANES) {
            LongVector x = LongVector.fromArray(SPECIES, a, j);
            LongVector y = LongVector.fromArray(SPECIES, a, j + t);
            LongVector u = x.add(y);
            LongVector v = x.sub(y).add(twoQ);
            LongVector uLo = u.and(m32);
            LongVector uHi = u.lanewise(LSHR, 32);
            LongVector hi = uHi.mul(nsHi).add(uLo.mul(nsHi).lanewise(LSHR, 32))
                    .add(uHi.mul(nsLo).lanewise(LSHR, 32));
            LongVector r = u.mul(nv).sub(hi.mul(qv));
            r = r.lanewise(UMIN, r.sub(twoQ));
            r.lanewise(UMIN, r.sub(qv)).intoArray(a, j);
            LongVector vLo = v.and(m32);
            LongVector vHi = v.lanewise(LSHR, 32);
            LongVector vhi = vHi.mul(wsHi).add(vLo.mul(wsHi).lanewise(LSHR, 32))
                    .add(vHi.mul(wsLo).lanewise(LSHR, 32));
            LongVector s = v.mul(wv).sub(vhi.mul(qv));
            s = s.lanewise(UMIN, s.sub(twoQ));
            s.lanewise(UMIN, s.sub(qv)).intoArray(a, j + t);
        }
    }

    static void inverseLastFp(long[] a, int t, long nInv, long nInvQ, long wn, long wnQ, long q, int j0, int j1) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        DoubleVector magic = splat(MAGIC);
        LongVector magicBits = splat(MAGIC_BITS);
        LongVector nv = splat(nInv);
        DoubleVector nq = splatBits(nInvQ);
        LongVector wv = splat(wn);
        DoubleVector wq = splatBits(wnQ);
        for (int j = j0; j < j1; j += LANES) {
            LongVector x = LongVector.fromArray(SPECIES, a, j);
            LongVector y = LongVector.fromArray(SPECIES, a, j + t);
            LongVector u = x.add(y);
            LongVector v = x.sub(y).add(twoQ);
            DoubleVector ud = (DoubleVector) u.convert(L2D, 0);
            LongVector ue = ud.fma(nq, magic).viewAsIntegralLanes().sub(magicBits);
            LongVector r = u.mul(nv).sub(ue.mul(qv));
            r.lanewise(UMIN, r.add(qv)).intoArray(a, j);
            DoubleVector vd = (DoubleVector) v.convert(L2D, 0);
            LongVector ve = vd.fma(wq, magic).viewAsIntegralLanes().sub(magicBits);
            LongVector s = v.mul(wv).sub(ve.mul(qv));
            s.lanewise(UMIN, s.add(qv)).intoArray(a, j + t);
        }
    }

    // ---- generated by cpu-backend/tools/gen_ntt_tail.py: interleaved blocks hide the latency of the three
    // ---- dependent stages (one block leaves the out-of-order core waiting). Do not edit by hand.

    /** The last three forward stages plus the final reduction on [from, to),
     * for 8 lanes, 2 blocks of 16 elements per iteration (from, to multiples of 32). */
    static void forwardTail8(long[] a, int n, long[] w, long[] ws, long q, int from, int to) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector m32 = splat(M32);
        LongVector ix0 = LongVector.fromArray(SPECIES, FWD_IN_X[0], 0);
        LongVector iy0 = LongVector.fromArray(SPECIES, FWD_IN_Y[0], 0);
        LongVector ix1 = LongVector.fromArray(SPECIES, FWD_IN_X[1], 0);
        LongVector iy1 = LongVector.fromArray(SPECIES, FWD_IN_Y[1], 0);
        LongVector ix2 = LongVector.fromArray(SPECIES, FWD_IN_X[2], 0);
        LongVector iy2 = LongVector.fromArray(SPECIES, FWD_IN_Y[2], 0);
        LongVector ox = LongVector.fromArray(SPECIES, FWD_OUT_X, 0);
        LongVector oy = LongVector.fromArray(SPECIES, FWD_OUT_Y, 0);
        LongVector dup1 = LongVector.fromArray(SPECIES, DUP[1], 0);
        LongVector dup2 = LongVector.fromArray(SPECIES, DUP[2], 0);
        for (int c = from; c < to; c += 32) {
            LongVector x0 = LongVector.fromArray(SPECIES, a, c + 0);
            LongVector y0 = LongVector.fromArray(SPECIES, a, c + 8);
            LongVector x1 = LongVector.fromArray(SPECIES, a, c + 16);
            LongVector y1 = LongVector.fromArray(SPECIES, a, c + 24);
            {
                LongVector nx0 = ix0.selectFrom(x0, y0);
                LongVector nx1 = ix0.selectFrom(x1, y1);
                LongVector ny0 = iy0.selectFrom(x0, y0);
                LongVector ny1 = iy0.selectFrom(x1, y1);
                int base0 = (n + c + 0) >>> 3;
                int base1 = (n + c + 16) >>> 3;
                LongVector wv0 = LongVector.fromArray(SPECIES, w, base0);
                LongVector wv1 = LongVector.fromArray(SPECIES, w, base1);
                LongVector sv0 = LongVector.fromArray(SPECIES, ws, base0);
                LongVector sv1 = LongVector.fromArray(SPECIES, ws, base1);
                wv0 = dup2.selectFrom(wv0);
                wv1 = dup2.selectFrom(wv1);
                sv0 = dup2.selectFrom(sv0);
                sv1 = dup2.selectFrom(sv1);
                nx0 = nx0.lanewise(UMIN, nx0.sub(twoQ));
                nx1 = nx1.lanewise(UMIN, nx1.sub(twoQ));
                LongVector wsLo0 = sv0.and(m32);
                LongVector wsLo1 = sv1.and(m32);
                LongVector wsHi0 = sv0.lanewise(LSHR, 32);
                LongVector wsHi1 = sv1.lanewise(LSHR, 32);
                LongVector vLo0 = ny0.and(m32);
                LongVector vLo1 = ny1.and(m32);
                LongVector vHi0 = ny0.lanewise(LSHR, 32);
                LongVector vHi1 = ny1.lanewise(LSHR, 32);
                LongVector hl0 = vLo0.mul(wsHi0).lanewise(LSHR, 32);
                LongVector hl1 = vLo1.mul(wsHi1).lanewise(LSHR, 32);
                LongVector hi0 = vHi0.mul(wsHi0).add(hl0).add(vHi0.mul(wsLo0).lanewise(LSHR, 32));
                LongVector hi1 = vHi1.mul(wsHi1).add(hl1).add(vHi1.mul(wsLo1).lanewise(LSHR, 32));
                LongVector r0 = ny0.mul(wv0).sub(hi0.mul(qv));
                LongVector r1 = ny1.mul(wv1).sub(hi1.mul(qv));
                LongVector p0 = r0.lanewise(UMIN, r0.sub(twoQ));
                LongVector p1 = r1.lanewise(UMIN, r1.sub(twoQ));
                x0 = nx0.add(p0);
                x1 = nx1.add(p1);
                y0 = nx0.sub(p0).add(twoQ);
                y1 = nx1.sub(p1).add(twoQ);
            }
            {
                LongVector nx0 = ix1.selectFrom(x0, y0);
                LongVector nx1 = ix1.selectFrom(x1, y1);
                LongVector ny0 = iy1.selectFrom(x0, y0);
                LongVector ny1 = iy1.selectFrom(x1, y1);
                int base0 = (n + c + 0) >>> 2;
                int base1 = (n + c + 16) >>> 2;
                LongVector wv0 = LongVector.fromArray(SPECIES, w, base0);
                LongVector wv1 = LongVector.fromArray(SPECIES, w, base1);
                LongVector sv0 = LongVector.fromArray(SPECIES, ws, base0);
                LongVector sv1 = LongVector.fromArray(SPECIES, ws, base1);
                wv0 = dup1.selectFrom(wv0);
                wv1 = dup1.selectFrom(wv1);
                sv0 = dup1.selectFrom(sv0);
                sv1 = dup1.selectFrom(sv1);
                nx0 = nx0.lanewise(UMIN, nx0.sub(twoQ));
                nx1 = nx1.lanewise(UMIN, nx1.sub(twoQ));
                LongVector wsLo0 = sv0.and(m32);
                LongVector wsLo1 = sv1.and(m32);
                LongVector wsHi0 = sv0.lanewise(LSHR, 32);
                LongVector wsHi1 = sv1.lanewise(LSHR, 32);
                LongVector vLo0 = ny0.and(m32);
                LongVector vLo1 = ny1.and(m32);
                LongVector vHi0 = ny0.lanewise(LSHR, 32);
                LongVector vHi1 = ny1.lanewise(LSHR, 32);
                LongVector hl0 = vLo0.mul(wsHi0).lanewise(LSHR, 32);
                LongVector hl1 = vLo1.mul(wsHi1).lanewise(LSHR, 32);
                LongVector hi0 = vHi0.mul(wsHi0).add(hl0).add(vHi0.mul(wsLo0).lanewise(LSHR, 32));
                LongVector hi1 = vHi1.mul(wsHi1).add(hl1).add(vHi1.mul(wsLo1).lanewise(LSHR, 32));
                LongVector r0 = ny0.mul(wv0).sub(hi0.mul(qv));
                LongVector r1 = ny1.mul(wv1).sub(hi1.mul(qv));
                LongVector p0 = r0.lanewise(UMIN, r0.sub(twoQ));
                LongVector p1 = r1.lanewise(UMIN, r1.sub(twoQ));
                x0 = nx0.add(p0);
                x1 = nx1.add(p1);
                y0 = nx0.sub(p0).add(twoQ);
                y1 = nx1.sub(p1).add(twoQ);
            }
            {
                LongVector nx0 = ix2.selectFrom(x0, y0);
                LongVector nx1 = ix2.selectFrom(x1, y1);
                LongVector ny0 = iy2.selectFrom(x0, y0);
                LongVector ny1 = iy2.selectFrom(x1, y1);
                int base0 = (n + c + 0) >>> 1;
                int base1 = (n + c + 16) >>> 1;
                LongVector wv0 = LongVector.fromArray(SPECIES, w, base0);
                LongVector wv1 = LongVector.fromArray(SPECIES, w, base1);
                LongVector sv0 = LongVector.fromArray(SPECIES, ws, base0);
                LongVector sv1 = LongVector.fromArray(SPECIES, ws, base1);
                nx0 = nx0.lanewise(UMIN, nx0.sub(twoQ));
                nx1 = nx1.lanewise(UMIN, nx1.sub(twoQ));
                LongVector wsLo0 = sv0.and(m32);
                LongVector wsLo1 = sv1.and(m32);
                LongVector wsHi0 = sv0.lanewise(LSHR, 32);
                LongVector wsHi1 = sv1.lanewise(LSHR, 32);
                LongVector vLo0 = ny0.and(m32);
                LongVector vLo1 = ny1.and(m32);
                LongVector vHi0 = ny0.lanewise(LSHR, 32);
                LongVector vHi1 = ny1.lanewise(LSHR, 32);
                LongVector hl0 = vLo0.mul(wsHi0).lanewise(LSHR, 32);
                LongVector hl1 = vLo1.mul(wsHi1).lanewise(LSHR, 32);
                LongVector hi0 = vHi0.mul(wsHi0).add(hl0).add(vHi0.mul(wsLo0).lanewise(LSHR, 32));
                LongVector hi1 = vHi1.mul(wsHi1).add(hl1).add(vHi1.mul(wsLo1).lanewise(LSHR, 32));
                LongVector r0 = ny0.mul(wv0).sub(hi0.mul(qv));
                LongVector r1 = ny1.mul(wv1).sub(hi1.mul(qv));
                LongVector p0 = r0.lanewise(UMIN, r0.sub(twoQ));
                LongVector p1 = r1.lanewise(UMIN, r1.sub(twoQ));
                x0 = nx0.add(p0);
                x1 = nx1.add(p1);
                y0 = nx0.sub(p0).add(twoQ);
                y1 = nx1.sub(p1).add(twoQ);
            }
            LongVector rx0 = ox.selectFrom(x0, y0);
            LongVector ry0 = oy.selectFrom(x0, y0);
            LongVector rx1 = ox.selectFrom(x1, y1);
            LongVector ry1 = oy.selectFrom(x1, y1);
            rx0 = rx0.lanewise(UMIN, rx0.sub(twoQ));
            ry0 = ry0.lanewise(UMIN, ry0.sub(twoQ));
            rx0.lanewise(UMIN, rx0.sub(qv)).intoArray(a, c + 0);
            ry0.lanewise(UMIN, ry0.sub(qv)).intoArray(a, c + 8);
            rx1 = rx1.lanewise(UMIN, rx1.sub(twoQ));
            ry1 = ry1.lanewise(UMIN, ry1.sub(twoQ));
            rx1.lanewise(UMIN, rx1.sub(qv)).intoArray(a, c + 16);
            ry1.lanewise(UMIN, ry1.sub(qv)).intoArray(a, c + 24);
        }
    }

    /** The last three forward stages plus the final reduction on [from, to),
     * for 8 lanes, 2 blocks of 16 elements per iteration (from, to multiples of 32). */
    static void forwardTail8Fp(long[] a, int n, long[] w, long[] wq, long q, int from, int to) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        DoubleVector magic = splat(MAGIC);
        LongVector magicBits = splat(MAGIC_BITS);
        LongVector ix0 = LongVector.fromArray(SPECIES, FWD_IN_X[0], 0);
        LongVector iy0 = LongVector.fromArray(SPECIES, FWD_IN_Y[0], 0);
        LongVector ix1 = LongVector.fromArray(SPECIES, FWD_IN_X[1], 0);
        LongVector iy1 = LongVector.fromArray(SPECIES, FWD_IN_Y[1], 0);
        LongVector ix2 = LongVector.fromArray(SPECIES, FWD_IN_X[2], 0);
        LongVector iy2 = LongVector.fromArray(SPECIES, FWD_IN_Y[2], 0);
        LongVector ox = LongVector.fromArray(SPECIES, FWD_OUT_X, 0);
        LongVector oy = LongVector.fromArray(SPECIES, FWD_OUT_Y, 0);
        LongVector dup1 = LongVector.fromArray(SPECIES, DUP[1], 0);
        LongVector dup2 = LongVector.fromArray(SPECIES, DUP[2], 0);
        for (int c = from; c < to; c += 32) {
            LongVector x0 = LongVector.fromArray(SPECIES, a, c + 0);
            LongVector y0 = LongVector.fromArray(SPECIES, a, c + 8);
            LongVector x1 = LongVector.fromArray(SPECIES, a, c + 16);
            LongVector y1 = LongVector.fromArray(SPECIES, a, c + 24);
            {
                LongVector nx0 = ix0.selectFrom(x0, y0);
                LongVector nx1 = ix0.selectFrom(x1, y1);
                LongVector ny0 = iy0.selectFrom(x0, y0);
                LongVector ny1 = iy0.selectFrom(x1, y1);
                int base0 = (n + c + 0) >>> 3;
                int base1 = (n + c + 16) >>> 3;
                LongVector wv0 = LongVector.fromArray(SPECIES, w, base0);
                LongVector wv1 = LongVector.fromArray(SPECIES, w, base1);
                LongVector sv0 = LongVector.fromArray(SPECIES, wq, base0);
                LongVector sv1 = LongVector.fromArray(SPECIES, wq, base1);
                wv0 = dup2.selectFrom(wv0);
                wv1 = dup2.selectFrom(wv1);
                sv0 = dup2.selectFrom(sv0);
                sv1 = dup2.selectFrom(sv1);
                nx0 = nx0.lanewise(UMIN, nx0.sub(twoQ));
                nx1 = nx1.lanewise(UMIN, nx1.sub(twoQ));
                DoubleVector vd0 = (DoubleVector) ny0.convert(L2D, 0);
                DoubleVector vd1 = (DoubleVector) ny1.convert(L2D, 0);
                LongVector est0 = vd0.fma(sv0.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector est1 = vd1.fma(sv1.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector r0 = ny0.mul(wv0).sub(est0.mul(qv));
                LongVector r1 = ny1.mul(wv1).sub(est1.mul(qv));
                LongVector p0 = r0.lanewise(UMIN, r0.add(qv));
                LongVector p1 = r1.lanewise(UMIN, r1.add(qv));
                x0 = nx0.add(p0);
                x1 = nx1.add(p1);
                y0 = nx0.sub(p0).add(twoQ);
                y1 = nx1.sub(p1).add(twoQ);
            }
            {
                LongVector nx0 = ix1.selectFrom(x0, y0);
                LongVector nx1 = ix1.selectFrom(x1, y1);
                LongVector ny0 = iy1.selectFrom(x0, y0);
                LongVector ny1 = iy1.selectFrom(x1, y1);
                int base0 = (n + c + 0) >>> 2;
                int base1 = (n + c + 16) >>> 2;
                LongVector wv0 = LongVector.fromArray(SPECIES, w, base0);
                LongVector wv1 = LongVector.fromArray(SPECIES, w, base1);
                LongVector sv0 = LongVector.fromArray(SPECIES, wq, base0);
                LongVector sv1 = LongVector.fromArray(SPECIES, wq, base1);
                wv0 = dup1.selectFrom(wv0);
                wv1 = dup1.selectFrom(wv1);
                sv0 = dup1.selectFrom(sv0);
                sv1 = dup1.selectFrom(sv1);
                nx0 = nx0.lanewise(UMIN, nx0.sub(twoQ));
                nx1 = nx1.lanewise(UMIN, nx1.sub(twoQ));
                DoubleVector vd0 = (DoubleVector) ny0.convert(L2D, 0);
                DoubleVector vd1 = (DoubleVector) ny1.convert(L2D, 0);
                LongVector est0 = vd0.fma(sv0.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector est1 = vd1.fma(sv1.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector r0 = ny0.mul(wv0).sub(est0.mul(qv));
                LongVector r1 = ny1.mul(wv1).sub(est1.mul(qv));
                LongVector p0 = r0.lanewise(UMIN, r0.add(qv));
                LongVector p1 = r1.lanewise(UMIN, r1.add(qv));
                x0 = nx0.add(p0);
                x1 = nx1.add(p1);
                y0 = nx0.sub(p0).add(twoQ);
                y1 = nx1.sub(p1).add(twoQ);
            }
            {
                LongVector nx0 = ix2.selectFrom(x0, y0);
                LongVector nx1 = ix2.selectFrom(x1, y1);
                LongVector ny0 = iy2.selectFrom(x0, y0);
                LongVector ny1 = iy2.selectFrom(x1, y1);
                int base0 = (n + c + 0) >>> 1;
                int base1 = (n + c + 16) >>> 1;
                LongVector wv0 = LongVector.fromArray(SPECIES, w, base0);
                LongVector wv1 = LongVector.fromArray(SPECIES, w, base1);
                LongVector sv0 = LongVector.fromArray(SPECIES, wq, base0);
                LongVector sv1 = LongVector.fromArray(SPECIES, wq, base1);
                nx0 = nx0.lanewise(UMIN, nx0.sub(twoQ));
                nx1 = nx1.lanewise(UMIN, nx1.sub(twoQ));
                DoubleVector vd0 = (DoubleVector) ny0.convert(L2D, 0);
                DoubleVector vd1 = (DoubleVector) ny1.convert(L2D, 0);
                LongVector est0 = vd0.fma(sv0.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector est1 = vd1.fma(sv1.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector r0 = ny0.mul(wv0).sub(est0.mul(qv));
                LongVector r1 = ny1.mul(wv1).sub(est1.mul(qv));
                LongVector p0 = r0.lanewise(UMIN, r0.add(qv));
                LongVector p1 = r1.lanewise(UMIN, r1.add(qv));
                x0 = nx0.add(p0);
                x1 = nx1.add(p1);
                y0 = nx0.sub(p0).add(twoQ);
                y1 = nx1.sub(p1).add(twoQ);
            }
            LongVector rx0 = ox.selectFrom(x0, y0);
            LongVector ry0 = oy.selectFrom(x0, y0);
            LongVector rx1 = ox.selectFrom(x1, y1);
            LongVector ry1 = oy.selectFrom(x1, y1);
            rx0 = rx0.lanewise(UMIN, rx0.sub(twoQ));
            ry0 = ry0.lanewise(UMIN, ry0.sub(twoQ));
            rx0.lanewise(UMIN, rx0.sub(qv)).intoArray(a, c + 0);
            ry0.lanewise(UMIN, ry0.sub(qv)).intoArray(a, c + 8);
            rx1 = rx1.lanewise(UMIN, rx1.sub(twoQ));
            ry1 = ry1.lanewise(UMIN, ry1.sub(twoQ));
            rx1.lanewise(UMIN, rx1.sub(qv)).intoArray(a, c + 16);
            ry1.lanewise(UMIN, ry1.sub(qv)).intoArray(a, c + 24);
        }
    }

    /** The first three inverse stages on [from, to),
     * for 8 lanes, 2 blocks of 16 elements per iteration (from, to multiples of 32). */
    static void inverseHead8(long[] a, int n, long[] w, long[] ws, long q, int from, int to) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector m32 = splat(M32);
        LongVector ix0 = LongVector.fromArray(SPECIES, INV_IN_X[0], 0);
        LongVector iy0 = LongVector.fromArray(SPECIES, INV_IN_Y[0], 0);
        LongVector ix1 = LongVector.fromArray(SPECIES, INV_IN_X[1], 0);
        LongVector iy1 = LongVector.fromArray(SPECIES, INV_IN_Y[1], 0);
        LongVector ix2 = LongVector.fromArray(SPECIES, INV_IN_X[2], 0);
        LongVector iy2 = LongVector.fromArray(SPECIES, INV_IN_Y[2], 0);
        LongVector ox = LongVector.fromArray(SPECIES, INV_OUT_X, 0);
        LongVector oy = LongVector.fromArray(SPECIES, INV_OUT_Y, 0);
        LongVector dup1 = LongVector.fromArray(SPECIES, DUP[1], 0);
        LongVector dup2 = LongVector.fromArray(SPECIES, DUP[2], 0);
        for (int c = from; c < to; c += 32) {
            LongVector x0 = LongVector.fromArray(SPECIES, a, c + 0);
            LongVector y0 = LongVector.fromArray(SPECIES, a, c + 8);
            LongVector x1 = LongVector.fromArray(SPECIES, a, c + 16);
            LongVector y1 = LongVector.fromArray(SPECIES, a, c + 24);
            {
                LongVector nx0 = ix0.selectFrom(x0, y0);
                LongVector nx1 = ix0.selectFrom(x1, y1);
                LongVector ny0 = iy0.selectFrom(x0, y0);
                LongVector ny1 = iy0.selectFrom(x1, y1);
                int base0 = (n + c + 0) >>> 1;
                int base1 = (n + c + 16) >>> 1;
                LongVector wv0 = LongVector.fromArray(SPECIES, w, base0);
                LongVector wv1 = LongVector.fromArray(SPECIES, w, base1);
                LongVector sv0 = LongVector.fromArray(SPECIES, ws, base0);
                LongVector sv1 = LongVector.fromArray(SPECIES, ws, base1);
                LongVector u0 = nx0.add(ny0);
                LongVector u1 = nx1.add(ny1);
                LongVector v0 = nx0.sub(ny0).add(twoQ);
                LongVector v1 = nx1.sub(ny1).add(twoQ);
                LongVector wsLo0 = sv0.and(m32);
                LongVector wsLo1 = sv1.and(m32);
                LongVector wsHi0 = sv0.lanewise(LSHR, 32);
                LongVector wsHi1 = sv1.lanewise(LSHR, 32);
                LongVector vLo0 = v0.and(m32);
                LongVector vLo1 = v1.and(m32);
                LongVector vHi0 = v0.lanewise(LSHR, 32);
                LongVector vHi1 = v1.lanewise(LSHR, 32);
                LongVector hl0 = vLo0.mul(wsHi0).lanewise(LSHR, 32);
                LongVector hl1 = vLo1.mul(wsHi1).lanewise(LSHR, 32);
                LongVector hi0 = vHi0.mul(wsHi0).add(hl0).add(vHi0.mul(wsLo0).lanewise(LSHR, 32));
                LongVector hi1 = vHi1.mul(wsHi1).add(hl1).add(vHi1.mul(wsLo1).lanewise(LSHR, 32));
                LongVector r0 = v0.mul(wv0).sub(hi0.mul(qv));
                LongVector r1 = v1.mul(wv1).sub(hi1.mul(qv));
                LongVector p0 = r0.lanewise(UMIN, r0.sub(twoQ));
                LongVector p1 = r1.lanewise(UMIN, r1.sub(twoQ));
                x0 = u0.lanewise(UMIN, u0.sub(twoQ));
                x1 = u1.lanewise(UMIN, u1.sub(twoQ));
                y0 = p0;
                y1 = p1;
            }
            {
                LongVector nx0 = ix1.selectFrom(x0, y0);
                LongVector nx1 = ix1.selectFrom(x1, y1);
                LongVector ny0 = iy1.selectFrom(x0, y0);
                LongVector ny1 = iy1.selectFrom(x1, y1);
                int base0 = (n + c + 0) >>> 2;
                int base1 = (n + c + 16) >>> 2;
                LongVector wv0 = LongVector.fromArray(SPECIES, w, base0);
                LongVector wv1 = LongVector.fromArray(SPECIES, w, base1);
                LongVector sv0 = LongVector.fromArray(SPECIES, ws, base0);
                LongVector sv1 = LongVector.fromArray(SPECIES, ws, base1);
                wv0 = dup1.selectFrom(wv0);
                wv1 = dup1.selectFrom(wv1);
                sv0 = dup1.selectFrom(sv0);
                sv1 = dup1.selectFrom(sv1);
                LongVector u0 = nx0.add(ny0);
                LongVector u1 = nx1.add(ny1);
                LongVector v0 = nx0.sub(ny0).add(twoQ);
                LongVector v1 = nx1.sub(ny1).add(twoQ);
                LongVector wsLo0 = sv0.and(m32);
                LongVector wsLo1 = sv1.and(m32);
                LongVector wsHi0 = sv0.lanewise(LSHR, 32);
                LongVector wsHi1 = sv1.lanewise(LSHR, 32);
                LongVector vLo0 = v0.and(m32);
                LongVector vLo1 = v1.and(m32);
                LongVector vHi0 = v0.lanewise(LSHR, 32);
                LongVector vHi1 = v1.lanewise(LSHR, 32);
                LongVector hl0 = vLo0.mul(wsHi0).lanewise(LSHR, 32);
                LongVector hl1 = vLo1.mul(wsHi1).lanewise(LSHR, 32);
                LongVector hi0 = vHi0.mul(wsHi0).add(hl0).add(vHi0.mul(wsLo0).lanewise(LSHR, 32));
                LongVector hi1 = vHi1.mul(wsHi1).add(hl1).add(vHi1.mul(wsLo1).lanewise(LSHR, 32));
                LongVector r0 = v0.mul(wv0).sub(hi0.mul(qv));
                LongVector r1 = v1.mul(wv1).sub(hi1.mul(qv));
                LongVector p0 = r0.lanewise(UMIN, r0.sub(twoQ));
                LongVector p1 = r1.lanewise(UMIN, r1.sub(twoQ));
                x0 = u0.lanewise(UMIN, u0.sub(twoQ));
                x1 = u1.lanewise(UMIN, u1.sub(twoQ));
                y0 = p0;
                y1 = p1;
            }
            {
                LongVector nx0 = ix2.selectFrom(x0, y0);
                LongVector nx1 = ix2.selectFrom(x1, y1);
                LongVector ny0 = iy2.selectFrom(x0, y0);
                LongVector ny1 = iy2.selectFrom(x1, y1);
                int base0 = (n + c + 0) >>> 3;
                int base1 = (n + c + 16) >>> 3;
                LongVector wv0 = LongVector.fromArray(SPECIES, w, base0);
                LongVector wv1 = LongVector.fromArray(SPECIES, w, base1);
                LongVector sv0 = LongVector.fromArray(SPECIES, ws, base0);
                LongVector sv1 = LongVector.fromArray(SPECIES, ws, base1);
                wv0 = dup2.selectFrom(wv0);
                wv1 = dup2.selectFrom(wv1);
                sv0 = dup2.selectFrom(sv0);
                sv1 = dup2.selectFrom(sv1);
                LongVector u0 = nx0.add(ny0);
                LongVector u1 = nx1.add(ny1);
                LongVector v0 = nx0.sub(ny0).add(twoQ);
                LongVector v1 = nx1.sub(ny1).add(twoQ);
                LongVector wsLo0 = sv0.and(m32);
                LongVector wsLo1 = sv1.and(m32);
                LongVector wsHi0 = sv0.lanewise(LSHR, 32);
                LongVector wsHi1 = sv1.lanewise(LSHR, 32);
                LongVector vLo0 = v0.and(m32);
                LongVector vLo1 = v1.and(m32);
                LongVector vHi0 = v0.lanewise(LSHR, 32);
                LongVector vHi1 = v1.lanewise(LSHR, 32);
                LongVector hl0 = vLo0.mul(wsHi0).lanewise(LSHR, 32);
                LongVector hl1 = vLo1.mul(wsHi1).lanewise(LSHR, 32);
                LongVector hi0 = vHi0.mul(wsHi0).add(hl0).add(vHi0.mul(wsLo0).lanewise(LSHR, 32));
                LongVector hi1 = vHi1.mul(wsHi1).add(hl1).add(vHi1.mul(wsLo1).lanewise(LSHR, 32));
                LongVector r0 = v0.mul(wv0).sub(hi0.mul(qv));
                LongVector r1 = v1.mul(wv1).sub(hi1.mul(qv));
                LongVector p0 = r0.lanewise(UMIN, r0.sub(twoQ));
                LongVector p1 = r1.lanewise(UMIN, r1.sub(twoQ));
                x0 = u0.lanewise(UMIN, u0.sub(twoQ));
                x1 = u1.lanewise(UMIN, u1.sub(twoQ));
                y0 = p0;
                y1 = p1;
            }
            LongVector rx0 = ox.selectFrom(x0, y0);
            LongVector ry0 = oy.selectFrom(x0, y0);
            LongVector rx1 = ox.selectFrom(x1, y1);
            LongVector ry1 = oy.selectFrom(x1, y1);
            rx0.intoArray(a, c + 0);
            ry0.intoArray(a, c + 8);
            rx1.intoArray(a, c + 16);
            ry1.intoArray(a, c + 24);
        }
    }

    /** The first three inverse stages on [from, to),
     * for 8 lanes, 2 blocks of 16 elements per iteration (from, to multiples of 32). */
    static void inverseHead8Fp(long[] a, int n, long[] w, long[] wq, long q, int from, int to) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        DoubleVector magic = splat(MAGIC);
        LongVector magicBits = splat(MAGIC_BITS);
        LongVector ix0 = LongVector.fromArray(SPECIES, INV_IN_X[0], 0);
        LongVector iy0 = LongVector.fromArray(SPECIES, INV_IN_Y[0], 0);
        LongVector ix1 = LongVector.fromArray(SPECIES, INV_IN_X[1], 0);
        LongVector iy1 = LongVector.fromArray(SPECIES, INV_IN_Y[1], 0);
        LongVector ix2 = LongVector.fromArray(SPECIES, INV_IN_X[2], 0);
        LongVector iy2 = LongVector.fromArray(SPECIES, INV_IN_Y[2], 0);
        LongVector ox = LongVector.fromArray(SPECIES, INV_OUT_X, 0);
        LongVector oy = LongVector.fromArray(SPECIES, INV_OUT_Y, 0);
        LongVector dup1 = LongVector.fromArray(SPECIES, DUP[1], 0);
        LongVector dup2 = LongVector.fromArray(SPECIES, DUP[2], 0);
        for (int c = from; c < to; c += 32) {
            LongVector x0 = LongVector.fromArray(SPECIES, a, c + 0);
            LongVector y0 = LongVector.fromArray(SPECIES, a, c + 8);
            LongVector x1 = LongVector.fromArray(SPECIES, a, c + 16);
            LongVector y1 = LongVector.fromArray(SPECIES, a, c + 24);
            {
                LongVector nx0 = ix0.selectFrom(x0, y0);
                LongVector nx1 = ix0.selectFrom(x1, y1);
                LongVector ny0 = iy0.selectFrom(x0, y0);
                LongVector ny1 = iy0.selectFrom(x1, y1);
                int base0 = (n + c + 0) >>> 1;
                int base1 = (n + c + 16) >>> 1;
                LongVector wv0 = LongVector.fromArray(SPECIES, w, base0);
                LongVector wv1 = LongVector.fromArray(SPECIES, w, base1);
                LongVector sv0 = LongVector.fromArray(SPECIES, wq, base0);
                LongVector sv1 = LongVector.fromArray(SPECIES, wq, base1);
                LongVector u0 = nx0.add(ny0);
                LongVector u1 = nx1.add(ny1);
                LongVector v0 = nx0.sub(ny0).add(twoQ);
                LongVector v1 = nx1.sub(ny1).add(twoQ);
                DoubleVector vd0 = (DoubleVector) v0.convert(L2D, 0);
                DoubleVector vd1 = (DoubleVector) v1.convert(L2D, 0);
                LongVector est0 = vd0.fma(sv0.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector est1 = vd1.fma(sv1.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector r0 = v0.mul(wv0).sub(est0.mul(qv));
                LongVector r1 = v1.mul(wv1).sub(est1.mul(qv));
                LongVector p0 = r0.lanewise(UMIN, r0.add(qv));
                LongVector p1 = r1.lanewise(UMIN, r1.add(qv));
                x0 = u0.lanewise(UMIN, u0.sub(twoQ));
                x1 = u1.lanewise(UMIN, u1.sub(twoQ));
                y0 = p0;
                y1 = p1;
            }
            {
                LongVector nx0 = ix1.selectFrom(x0, y0);
                LongVector nx1 = ix1.selectFrom(x1, y1);
                LongVector ny0 = iy1.selectFrom(x0, y0);
                LongVector ny1 = iy1.selectFrom(x1, y1);
                int base0 = (n + c + 0) >>> 2;
                int base1 = (n + c + 16) >>> 2;
                LongVector wv0 = LongVector.fromArray(SPECIES, w, base0);
                LongVector wv1 = LongVector.fromArray(SPECIES, w, base1);
                LongVector sv0 = LongVector.fromArray(SPECIES, wq, base0);
                LongVector sv1 = LongVector.fromArray(SPECIES, wq, base1);
                wv0 = dup1.selectFrom(wv0);
                wv1 = dup1.selectFrom(wv1);
                sv0 = dup1.selectFrom(sv0);
                sv1 = dup1.selectFrom(sv1);
                LongVector u0 = nx0.add(ny0);
                LongVector u1 = nx1.add(ny1);
                LongVector v0 = nx0.sub(ny0).add(twoQ);
                LongVector v1 = nx1.sub(ny1).add(twoQ);
                DoubleVector vd0 = (DoubleVector) v0.convert(L2D, 0);
                DoubleVector vd1 = (DoubleVector) v1.convert(L2D, 0);
                LongVector est0 = vd0.fma(sv0.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector est1 = vd1.fma(sv1.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector r0 = v0.mul(wv0).sub(est0.mul(qv));
                LongVector r1 = v1.mul(wv1).sub(est1.mul(qv));
                LongVector p0 = r0.lanewise(UMIN, r0.add(qv));
                LongVector p1 = r1.lanewise(UMIN, r1.add(qv));
                x0 = u0.lanewise(UMIN, u0.sub(twoQ));
                x1 = u1.lanewise(UMIN, u1.sub(twoQ));
                y0 = p0;
                y1 = p1;
            }
            {
                LongVector nx0 = ix2.selectFrom(x0, y0);
                LongVector nx1 = ix2.selectFrom(x1, y1);
                LongVector ny0 = iy2.selectFrom(x0, y0);
                LongVector ny1 = iy2.selectFrom(x1, y1);
                int base0 = (n + c + 0) >>> 3;
                int base1 = (n + c + 16) >>> 3;
                LongVector wv0 = LongVector.fromArray(SPECIES, w, base0);
                LongVector wv1 = LongVector.fromArray(SPECIES, w, base1);
                LongVector sv0 = LongVector.fromArray(SPECIES, wq, base0);
                LongVector sv1 = LongVector.fromArray(SPECIES, wq, base1);
                wv0 = dup2.selectFrom(wv0);
                wv1 = dup2.selectFrom(wv1);
                sv0 = dup2.selectFrom(sv0);
                sv1 = dup2.selectFrom(sv1);
                LongVector u0 = nx0.add(ny0);
                LongVector u1 = nx1.add(ny1);
                LongVector v0 = nx0.sub(ny0).add(twoQ);
                LongVector v1 = nx1.sub(ny1).add(twoQ);
                DoubleVector vd0 = (DoubleVector) v0.convert(L2D, 0);
                DoubleVector vd1 = (DoubleVector) v1.convert(L2D, 0);
                LongVector est0 = vd0.fma(sv0.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector est1 = vd1.fma(sv1.viewAsFloatingLanes(), magic).viewAsIntegralLanes().sub(magicBits);
                LongVector r0 = v0.mul(wv0).sub(est0.mul(qv));
                LongVector r1 = v1.mul(wv1).sub(est1.mul(qv));
                LongVector p0 = r0.lanewise(UMIN, r0.add(qv));
                LongVector p1 = r1.lanewise(UMIN, r1.add(qv));
                x0 = u0.lanewise(UMIN, u0.sub(twoQ));
                x1 = u1.lanewise(UMIN, u1.sub(twoQ));
                y0 = p0;
                y1 = p1;
            }
            LongVector rx0 = ox.selectFrom(x0, y0);
            LongVector ry0 = oy.selectFrom(x0, y0);
            LongVector rx1 = ox.selectFrom(x1, y1);
            LongVector ry1 = oy.selectFrom(x1, y1);
            rx0.intoArray(a, c + 0);
            ry0.intoArray(a, c + 8);
            rx1.intoArray(a, c + 16);
            ry1.intoArray(a, c + 24);
        }
    }

    // ---- end of generated code ----

    // ------------------------------------------------------------------------------------------------------
    // Element-wise kernels

    @Override
    public void add(long[] a, long[] b, long[] out, Modulus q) {
        int n = a.length;
        int k = 0;
        if (!scalar(n)) {
            LongVector qv = splat(q.value());
            for (int bound = SPECIES.loopBound(n); k < bound; k += LANES) {
                LongVector s = LongVector.fromArray(SPECIES, a, k).add(LongVector.fromArray(SPECIES, b, k));
                s.lanewise(UMIN, s.sub(qv)).intoArray(out, k);
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
                LongVector d = LongVector.fromArray(SPECIES, a, k).sub(LongVector.fromArray(SPECIES, b, k));
                d.lanewise(UMIN, d.add(qv)).intoArray(out, k);
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
                LongVector d = qv.sub(LongVector.fromArray(SPECIES, a, k));
                d.lanewise(UMIN, d.sub(qv)).intoArray(out, k);
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
                LongVector s = LongVector.fromArray(SPECIES, a, k).add(cv);
                s.lanewise(UMIN, s.sub(qv)).intoArray(out, k);
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
            k = SPECIES.loopBound(n);
            multiplyBlocks(a, b, out, k, q, false);
        }
        for (; k < n; k++) {
            out[k] = q.mul(a[k], b[k]);
        }
    }

    /** ⌊2^(2·bits) / q⌋, the Barrett constant of {@link Modulus#reduceProduct}. */
    static long barrettMu(Modulus q) {
        return java.math.BigInteger.ONE.shiftLeft(2 * q.bits()).divide(java.math.BigInteger.valueOf(q.value()))
                .longValueExact();
    }

    /** out[k] = (accumulate ? out[k] : 0) + a[k]·b[k] over [0, bound) in calls of BLOCK elements. */
    static void multiplyBlocks(long[] a, long[] b, long[] out, int bound, Modulus q, boolean accumulate) {
        boolean fp = fp(q);
        long mu = fp ? 0 : barrettMu(q);
        for (int start = 0; start < bound; start += BLOCK) {
            int end = Math.min(start + BLOCK, bound);
            if (fp) {
                multiplyFp(a, 0, b, out, start, end, q.value(), accumulate);
            } else {
                multiplyBarrett(a, 0, b, out, start, end, q.value(), q.bits(), mu, accumulate);
            }
        }
    }

    /**
     * out[k] = (accumulate ? out[k] : 0) + a[k − aOff]·b[k] mod q for k in [start, end) (multiples of LANES),
     * floating-point quotient, q &lt; 2^50.
     */
    static void multiplyFp(long[] a, int aOff, long[] b, long[] out, int start, int end, long q,
                           boolean accumulate) {
        LongVector qv = splat(q);
        DoubleVector qInv = splat(1.0 / q);
        DoubleVector magic = splat(MAGIC);
        LongVector magicBits = splat(MAGIC_BITS);
        for (int k = start; k < end; k += LANES) {
            LongVector x = LongVector.fromArray(SPECIES, a, k - aOff);
            LongVector y = LongVector.fromArray(SPECIES, b, k);
            DoubleVector xd = (DoubleVector) x.convert(L2D, 0);
            DoubleVector yd = (DoubleVector) y.convert(L2D, 0);
            LongVector est = xd.mul(yd).fma(qInv, magic).viewAsIntegralLanes().sub(magicBits);
            LongVector r = x.mul(y).sub(est.mul(qv));
            r = r.lanewise(UMIN, r.add(qv));
            if (accumulate) {
                r = r.add(LongVector.fromArray(SPECIES, out, k));
                r = r.lanewise(UMIN, r.sub(qv));
            }
            r.intoArray(out, k);
        }
    }

    /**
     * Barrett product (as {@link Modulus#reduceProduct}): x1 = ⌊ab / 2^(bits−1)⌋, estimate = ⌊x1·μ /
     * 2^(bits+1)⌋ ≥ ⌊ab/q⌋ − 2, so two conditional subtractions finish. Same operands as {@link #multiplyFp}.
     */
    static void multiplyBarrett(long[] a, int aOff, long[] b, long[] out, int start, int end, long q, int bits,
                                long mu, boolean accumulate) {
        int shift = bits - 1;
        LongVector qv = splat(q);
        LongVector m32 = splat(M32);
        LongVector muv = splat(mu);
        LongVector muLo = muv.and(m32);
        LongVector muHi = muv.lanewise(LSHR, 32);
        for (int k = start; k < end; k += LANES) {
            LongVector x = LongVector.fromArray(SPECIES, a, k - aOff);
            LongVector y = LongVector.fromArray(SPECIES, b, k);
            // 128-bit product hi:lo
            LongVector xLo = x.and(m32);
            LongVector xHi = x.lanewise(LSHR, 32);
            LongVector yLo = y.and(m32);
            LongVector yHi = y.lanewise(LSHR, 32);
            LongVector mid = xLo.mul(yHi).add(xLo.mul(yLo).lanewise(LSHR, 32));
            LongVector mid2 = xHi.mul(yLo).add(mid.and(m32));
            LongVector hi = xHi.mul(yHi).add(mid.lanewise(LSHR, 32)).add(mid2.lanewise(LSHR, 32));
            LongVector lo = x.mul(y);
            // quotient estimate
            LongVector x1 = hi.lanewise(LSHL, 64 - shift).or(lo.lanewise(LSHR, shift));
            LongVector x1Lo = x1.and(m32);
            LongVector x1Hi = x1.lanewise(LSHR, 32);
            LongVector pmid = x1Lo.mul(muHi).add(x1Lo.mul(muLo).lanewise(LSHR, 32));
            LongVector pmid2 = x1Hi.mul(muLo).add(pmid.and(m32));
            LongVector pHi = x1Hi.mul(muHi).add(pmid.lanewise(LSHR, 32)).add(pmid2.lanewise(LSHR, 32));
            LongVector est = pHi.lanewise(LSHL, 63 - bits).or(x1.mul(muv).lanewise(LSHR, bits + 1));
            LongVector r = lo.sub(est.mul(qv));
            r = r.lanewise(UMIN, r.sub(qv));
            r = r.lanewise(UMIN, r.sub(qv));
            if (accumulate) {
                r = r.add(LongVector.fromArray(SPECIES, out, k));
                r = r.lanewise(UMIN, r.sub(qv));
            }
            r.intoArray(out, k);
        }
    }

    @Override
    public void multiplyAdd(long[] a, long[] b, long[] acc, Modulus q) {
        int n = a.length;
        int k = 0;
        if (!scalar(n)) {
            k = SPECIES.loopBound(n);
            multiplyBlocks(a, b, acc, k, q, true);
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
            k = SPECIES.loopBound(n);
            scaleBlocks(a, null, c, cShoup, out, k, q, false);
        }
        for (; k < n; k++) {
            out[k] = q.mulShoup(a[k], c, cShoup);
        }
    }

    @Override
    public void subtractAndScale(long[] a, long[] b, long c, long cShoup, long[] out, Modulus q) {
        int n = a.length;
        int k = 0;
        if (!scalar(n)) {
            k = SPECIES.loopBound(n);
            scaleBlocks(a, b, c, cShoup, out, k, q, false);
        }
        for (; k < n; k++) {
            out[k] = q.mulShoup(q.sub(a[k], b[k]), c, cShoup);
        }
    }

    /** {@link #scaleShoup} or {@link #scaleFp} over [0, bound) in calls of BLOCK elements. */
    static void scaleBlocks(long[] a, long[] b, long c, long cShoup, long[] out, int bound, Modulus q,
                            boolean accumulate) {
        for (int start = 0; start < bound; start += BLOCK) {
            int end = Math.min(start + BLOCK, bound);
            if (fp(q)) {
                scaleFp(a, b, c, out, start, end, q.value(), accumulate);
            } else {
                scaleShoup(a, b, c, cShoup, out, start, end, q.value(), accumulate);
            }
        }
    }

    /** out[k] = (accumulate ? out[k] : 0) + (a[k] − b[k])·c (b null: a[k]·c) for k in [start, end), Shoup. */
    static void scaleShoup(long[] a, long[] b, long c, long cShoup, long[] out, int start, int end, long q,
                           boolean accumulate) {
        scaleShoup(a, 0, b, c, cShoup, out, start, end, q, accumulate);
    }

    /** {@link #scaleShoup} reading a (and b) at k + aOffset while writing out at k. */
    static void scaleShoup(long[] a, int aOffset, long[] b, long c, long cShoup, long[] out, int start, int end,
                           long q, boolean accumulate) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector m32 = splat(M32);
        LongVector cv = splat(c);
        LongVector cs = splat(cShoup);
        LongVector csLo = cs.and(m32);
        LongVector csHi = cs.lanewise(LSHR, 32);
        for (int k = start; k < end; k += LANES) {
            LongVector y = LongVector.fromArray(SPECIES, a, k + aOffset);
            if (b != null) {
                y = y.sub(LongVector.fromArray(SPECIES, b, k + aOffset));
                y = y.lanewise(UMIN, y.add(qv));
            }
            LongVector yLo = y.and(m32);
            LongVector yHi = y.lanewise(LSHR, 32);
            LongVector hi = yHi.mul(csHi).add(yLo.mul(csHi).lanewise(LSHR, 32))
                    .add(yHi.mul(csLo).lanewise(LSHR, 32));
            LongVector r = y.mul(cv).sub(hi.mul(qv));
            r = r.lanewise(UMIN, r.sub(twoQ));
            r = r.lanewise(UMIN, r.sub(qv));
            if (accumulate) {
                r = r.add(LongVector.fromArray(SPECIES, out, k));
                r = r.lanewise(UMIN, r.sub(qv));
            }
            r.intoArray(out, k);
        }
    }

    /** Floating-point variant of {@link #scaleShoup} for q &lt; 2^50. */
    static void scaleFp(long[] a, long[] b, long c, long[] out, int start, int end, long q, boolean accumulate) {
        scaleFp(a, 0, b, c, out, start, end, q, accumulate);
    }

    /** {@link #scaleFp} reading a (and b) at k + aOffset while writing out at k. */
    static void scaleFp(long[] a, int aOffset, long[] b, long c, long[] out, int start, int end, long q,
                        boolean accumulate) {
        LongVector qv = splat(q);
        LongVector cv = splat(c);
        DoubleVector cq = splat((double) c / (double) q);
        DoubleVector magic = splat(MAGIC);
        LongVector magicBits = splat(MAGIC_BITS);
        for (int k = start; k < end; k += LANES) {
            LongVector y = LongVector.fromArray(SPECIES, a, k + aOffset);
            if (b != null) {
                y = y.sub(LongVector.fromArray(SPECIES, b, k + aOffset));
                y = y.lanewise(UMIN, y.add(qv));
            }
            DoubleVector yd = (DoubleVector) y.convert(L2D, 0);
            LongVector est = yd.fma(cq, magic).viewAsIntegralLanes().sub(magicBits);
            LongVector r = y.mul(cv).sub(est.mul(qv));
            r = r.lanewise(UMIN, r.add(qv));
            if (accumulate) {
                r = r.add(LongVector.fromArray(SPECIES, out, k));
                r = r.lanewise(UMIN, r.sub(qv));
            }
            r.intoArray(out, k);
        }
    }

    @Override
    public void multiplyConstantAdd(long[] a, long c, long cShoup, long[] acc, Modulus q) {
        int n = a.length;
        int k = 0;
        if (!scalar(n)) {
            k = SPECIES.loopBound(n);
            scaleBlocks(a, null, c, cShoup, acc, k, q, true);
        }
        for (; k < n; k++) {
            acc[k] = q.add(acc[k], q.mulShoup(a[k], c, cShoup));
        }
    }

    @Override
    public void sparseCombination(long[][] xs, boolean[] negative, int[] groupTermStart, long[] c, long[] cShoup,
                                  long[] cNegShoup, int g0, int g1, int from, int len, long[] out, long[] acc,
                                  long[] tmp, Modulus q) {
        if (scalar(len) || len % LANES != 0 || acc.length != len || tmp.length != len) {
            LimbKernels.super.sparseCombination(xs, negative, groupTermStart, c, cShoup, cNegShoup, g0, g1, from, len,
                    out, acc, tmp, q);
            return;
        }
        LongVector qv = splat(q.value());
        java.util.Arrays.fill(acc, 0L);
        for (int g = g0; g < g1; g++) {
            if (c[g] != 1 && groupTermStart[g + 1] - groupTermStart[g] == 1) {
                int t = groupTermStart[g];
                long m = negative[t] ? q.negate(c[g]) : c[g];
                long ms = negative[t] ? cNegShoup[g] : cShoup[g];
                if (fp(q)) {
                    scaleFp(xs[t], from, null, m, acc, 0, len, q.value(), true);
                } else {
                    scaleShoup(xs[t], from, null, m, ms, acc, 0, len, q.value(), true);
                }
                continue;
            }
            long[] target = c[g] == 1 ? acc : tmp;
            int t = groupTermStart[g];
            if (c[g] != 1) {
                long[] x = xs[t];
                if (negative[t]) {
                    for (int k = 0; k < len; k += LANES) {
                        LongVector d = qv.sub(LongVector.fromArray(SPECIES, x, from + k));
                        d.lanewise(UMIN, d.sub(qv)).intoArray(tmp, k);
                    }
                } else {
                    System.arraycopy(x, from, tmp, 0, len);
                }
                t++;
            }
            for (; t < groupTermStart[g + 1]; t++) {
                long[] x = xs[t];
                if (negative[t]) {
                    for (int k = 0; k < len; k += LANES) {
                        LongVector d = LongVector.fromArray(SPECIES, target, k)
                                .sub(LongVector.fromArray(SPECIES, x, from + k));
                        d.lanewise(UMIN, d.add(qv)).intoArray(target, k);
                    }
                } else {
                    for (int k = 0; k < len; k += LANES) {
                        LongVector s = LongVector.fromArray(SPECIES, target, k)
                                .add(LongVector.fromArray(SPECIES, x, from + k));
                        s.lanewise(UMIN, s.sub(qv)).intoArray(target, k);
                    }
                }
            }
            if (c[g] != 1) {
                multiplyConstantAdd(tmp, c[g], cShoup[g], acc, q);
            }
        }
        System.arraycopy(acc, 0, out, from, len);
    }

    /** x mod q for signed 32-bit x read from an int[] or from memory off the heap ({@link #reduceSignedInto}). */
    @Override
    public void reduceIntegers(MemorySegment x, long[] out, Modulus q) {
        int n = out.length;
        if (scalar(n)) {
            SCALAR.reduceIntegers(x, out, q);
            return;
        }
        // The Vector API reads heap segments only when they are byte arrays: a whole int[]'s segment is read as the
        // array, any other heap segment by the scalar loop.
        if (!x.isNative()) {
            if (x.heapBase().orElse(null) instanceof int[] array && x.address() == 0 && array.length == n) {
                reduceIntegers(array, out, q);
            } else {
                SCALAR.reduceIntegers(x, out, q);
            }
            return;
        }
        int bound = SPECIES.loopBound(n);
        long qq = q.value();
        LongVector qv = splat(qq);
        DoubleVector inverse = splat(1.0 / qq);
        for (int k = 0; k < bound; k += LANES) {
            IntVector ints = IntVector.fromMemorySegment(ISPECIES, x, (long) Integer.BYTES * k, ByteOrder.nativeOrder());
            reduceSignedInto(ints, qv, inverse, out, k);
        }
        for (int k = bound; k < n; k++) {
            out[k] = q.reduceSigned(x.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, k));
        }
    }

    private void reduceIntegers(int[] x, long[] out, Modulus q) {
        int n = out.length;
        int bound = SPECIES.loopBound(n);
        long qq = q.value();
        LongVector qv = splat(qq);
        DoubleVector inverse = splat(1.0 / qq);
        for (int k = 0; k < bound; k += LANES) {
            reduceSignedInto(IntVector.fromArray(ISPECIES, x, k), qv, inverse, out, k);
        }
        for (int k = bound; k < n; k++) {
            out[k] = q.reduceSigned(x[k]);
        }
    }

    /**
     * x mod q for one vector of signed 32-bit x: a truncated quotient from doubles (x and q are exact in a double, so
     * it is off by at most one), then at most two additions or one subtraction of q into [0, q).
     */
    private static void reduceSignedInto(IntVector ints, LongVector qv, DoubleVector inverse, long[] out, int k) {
        LongVector v = (LongVector) ints.convertShape(VectorOperators.I2L, SPECIES, 0);
        LongVector quotient = (LongVector) ((DoubleVector) v.convert(VectorOperators.L2D, 0)).mul(inverse)
                .convert(VectorOperators.D2L, 0);
        LongVector r = v.sub(quotient.mul(qv));
        r = r.add(qv, r.compare(VectorOperators.LT, 0));
        r = r.add(qv, r.compare(VectorOperators.LT, 0));
        r.sub(qv, r.compare(VectorOperators.GE, qv)).intoArray(out, k);
    }

    @Override
    public void permute(long[] a, int[] perm, long[] out) {
        int n = out.length;
        int k = 0;
        if (!scalar(n)) {
            k = SPECIES.loopBound(n);
            gather(a, perm, 0, k, out);
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
        int bound = SPECIES.loopBound(n);
        for (int start = 0; start < bound; start += BLOCK) {
            reduceCenteredBlock(x, out, start, Math.min(start + BLOCK, bound), half, fromModTo, oneShoup,
                    to.value());
        }
        for (int k = bound; k < n; k++) {
            long r = to.reduceWord(x[k]);
            out[k] = x[k] > half ? to.sub(r, fromModTo) : r;
        }
    }

    /** out[k] = x[k] mod t, minus (from mod t) where x[k] &gt; half, for k in [start, end). */
    static void reduceCenteredBlock(long[] x, long[] out, int start, int end, long half, long fromModTo,
                                    long oneShoup, long t) {
        LongVector tv = splat(t);
        LongVector twoT = splat(2 * t);
        LongVector m32 = splat(M32);
        LongVector halfv = splat(half);
        LongVector fv = splat(fromModTo);
        LongVector os = splat(oneShoup);
        LongVector osLo = os.and(m32);
        LongVector osHi = os.lanewise(LSHR, 32);
        for (int k = start; k < end; k += LANES) {
            LongVector y = LongVector.fromArray(SPECIES, x, k);
            LongVector yLo = y.and(m32);
            LongVector yHi = y.lanewise(LSHR, 32);
            LongVector hi = yHi.mul(osHi).add(yLo.mul(osHi).lanewise(LSHR, 32))
                    .add(yHi.mul(osLo).lanewise(LSHR, 32));
            LongVector r = y.sub(hi.mul(tv));
            r = r.lanewise(UMIN, r.sub(twoT));
            r = r.lanewise(UMIN, r.sub(tv));
            LongVector d = r.sub(fv);
            VectorMask<Long> upper = y.compare(VectorOperators.GT, halfv);
            r.blend(d.lanewise(UMIN, d.add(tv)), upper).intoArray(out, k);
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
    public void conversionQuotients(long[][] ys, double[] inverseModuli, int[] v) {
        int n = v.length;
        if (scalar(n) || ys.length == 0) {
            SCALAR.conversionQuotients(ys, inverseModuli, v);
            return;
        }
        int bound = SPECIES.loopBound(n);
        double[] sum = new double[Math.min(BLOCK, bound)];
        for (int start = 0; start < bound; start += BLOCK) {
            int end = Math.min(start + BLOCK, bound);
            for (int i = 0; i < ys.length; i++) {
                cqPass(ys[i], inverseModuli[i], sum, start, end, i == 0);
            }
            cqRound(sum, v, start, end);
        }
        for (int k = bound; k < n; k++) {
            double s = 0;
            for (int i = 0; i < ys.length; i++) {
                double term = (double) ys[i][k] * inverseModuli[i];
                s = s + term;
            }
            v[k] = (int) Math.floor(s + 0.5);
        }
    }

    /**
     * sum[k − start] = (first ? 0 : sum[k − start]) + (double) y[k] · inv, with the scalar code's separate
     * IEEE multiply and add (round to nearest each; 0 + x = x exactly for the x ≥ 0 here).
     */
    static void cqPass(long[] y, double inv, double[] sum, int start, int end, boolean first) {
        DoubleVector iv = splat(inv);
        for (int k = start; k < end; k += LANES) {
            DoubleVector term = ((DoubleVector) LongVector.fromArray(SPECIES, y, k).convert(L2D, 0)).mul(iv);
            if (!first) {
                term = DoubleVector.fromArray(DSPECIES, sum, k - start).add(term);
            }
            term.intoArray(sum, k - start);
        }
    }

    /** v[k] = (int) floor(sum + 0.5): the sums are non-negative, so floor is the truncating conversion. */
    static void cqRound(double[] sum, int[] v, int start, int end) {
        DoubleVector half = splat(0.5);
        for (int k = start; k < end; k += LANES) {
            DoubleVector s = DoubleVector.fromArray(DSPECIES, sum, k - start).add(half);
            ((IntVector) s.convertShape(VectorOperators.D2I, ISPECIES, 0)).intoArray(v, k);
        }
    }

    @Override
    public void linearCombination(long[][] ys, long[] c, long[] cShoup, int[] v, long[] corrections, long[] out,
                                  Modulus q) {
        int n = out.length;
        if (scalar(n) || ys.length == 0) {
            SCALAR.linearCombination(ys, c, cShoup, v, corrections, out, q);
            return;
        }
        if (aliases(out, ys)) {
            // The passes below write out before reading every source: work on a copy of the output.
            long[] tmp = new long[n];
            linearCombination(ys, c, cShoup, v, corrections, tmp, q);
            System.arraycopy(tmp, 0, out, 0, n);
            return;
        }
        int bound = SPECIES.loopBound(n);
        long qq = q.value();
        long[] table = corrections.length <= LANES ? java.util.Arrays.copyOf(corrections, LANES) : null;
        for (int start = 0; start < bound; start += BLOCK) {
            int end = Math.min(start + BLOCK, bound);
            if (table != null) {
                lcFirst(v, table, out, start, end);
            } else {
                // More corrections than lanes (a wide digit, or ModDown from eight or more special primes):
                // a plain table lookup, one pass against the ys.length vector passes that follow.
                for (int k = start; k < end; k++) {
                    out[k] = corrections[v[k]];
                }
            }
            for (int i = 0; i < ys.length; i++) {
                lcPass(ys[i], c[i], cShoup[i], out, start, end, qq, i == ys.length - 1);
            }
        }
        long twoQ = 2 * qq;
        for (int k = bound; k < n; k++) {
            long acc = corrections[v[k]];
            for (int i = 0; i < ys.length; i++) {
                acc += q.mulShoupLazy(ys[i][k], c[i], cShoup[i]);
                if (acc >= twoQ) {
                    acc -= twoQ;
                }
            }
            out[k] = acc >= qq ? acc - qq : acc;
        }
    }

    /** acc[k] = table[v[k]] (table: the corrections padded to one vector; a lane permute, not a gather). */
    static void lcFirst(int[] v, long[] table, long[] acc, int start, int end) {
        LongVector tv = LongVector.fromArray(SPECIES, table, 0);
        for (int k = start; k < end; k += LANES) {
            LongVector idx = (LongVector) IntVector.fromArray(ISPECIES, v, k)
                    .convertShape(VectorOperators.I2L, SPECIES, 0);
            idx.selectFrom(tv).intoArray(acc, k);
        }
    }

    /**
     * acc[k] = acc[k] + y[k]·c, kept lazily in [0, 2q), reduced to [0, q) on the last pass. y[k] may be any
     * value below 2^63 (Shoup's bound holds for any y below 2^64).
     */
    static void lcPass(long[] y, long c, long cShoup, long[] acc, int start, int end, long q, boolean last) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector m32 = splat(M32);
        LongVector cv = splat(c);
        LongVector cs = splat(cShoup);
        LongVector csLo = cs.and(m32);
        LongVector csHi = cs.lanewise(LSHR, 32);
        LongVector bound = last ? qv : twoQ;
        for (int k = start; k < end; k += LANES) {
            LongVector x = LongVector.fromArray(SPECIES, y, k);
            LongVector xLo = x.and(m32);
            LongVector xHi = x.lanewise(LSHR, 32);
            LongVector hi = xHi.mul(csHi).add(xLo.mul(csHi).lanewise(LSHR, 32))
                    .add(xHi.mul(csLo).lanewise(LSHR, 32));
            LongVector p = x.mul(cv).sub(hi.mul(qv));
            p = p.lanewise(UMIN, p.sub(twoQ));
            LongVector s = LongVector.fromArray(SPECIES, acc, k).add(p);
            s = s.lanewise(UMIN, s.sub(twoQ));
            s.lanewise(UMIN, s.sub(bound)).intoArray(acc, k);
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
        long[] gathered = perm == null ? null : new long[BLOCK];
        for (int start = 0; start < bound; start += BLOCK) {
            int end = Math.min(start + BLOCK, bound);
            for (int j = 0; j < xs.length; j++) {
                boolean first = j == 0;
                boolean last = j == xs.length - 1;
                long[] x = xs[j];
                int offset = 0;
                if (perm != null) {
                    gather(x, perm, start, end, gathered);
                    x = gathered;
                    offset = start;
                }
                if (fp) {
                    ipPassFp(x, offset, w[j], out, start, end, qq, first);
                } else {
                    ipPass(x, offset, w[j], wShoup[j], out, start, end, qq, first, last);
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

    /**
     * dst[k − start] = x[perm[k]] for k in [start, end) (start, end multiples of LANES). NTT-domain Galois
     * permutations map every aligned block of LANES outputs onto one aligned block of LANES inputs (the high bits
     * of perm[k] depend only on the high bits of k), so a block is one vector load and one lane permute; each
     * block checks that property and falls back to scalar loads where it does not hold, so any permutation works.
     * (A plain vpgatherdq measured slower than scalar loads on Zen 4.)
     */
    static void gather(long[] x, int[] perm, int start, int end, long[] dst) {
        for (int k = start; k < end; k += LANES) {
            IntVector pv = IntVector.fromArray(ISPECIES, perm, k);
            int base = perm[k] & -LANES;
            if (pv.and(-LANES).compare(VectorOperators.NE, base).anyTrue()) {
                for (int r = k; r < k + LANES; r++) {
                    dst[r - start] = x[perm[r]];
                }
            } else {
                LongVector idx = (LongVector) pv.and(LANES - 1).convertShape(VectorOperators.I2L, SPECIES, 0);
                idx.selectFrom(LongVector.fromArray(SPECIES, x, base)).intoArray(dst, k - start);
            }
        }
    }

    @Override
    public void innerProductCompact(long[][] xs, int[] perm, long[][] w, long[] out, Modulus q) {
        int n = out.length;
        if (scalar(n) || xs.length == 0) {
            LimbKernels.super.innerProductCompact(xs, perm, w, out, q);
            return;
        }
        if (aliases(out, xs) || aliases(out, w)) {
            long[] tmp = new long[n];
            innerProductCompact(xs, perm, w, tmp, q);
            System.arraycopy(tmp, 0, out, 0, n);
            return;
        }
        int bound = SPECIES.loopBound(n);
        long[] gathered = perm == null ? null : new long[BLOCK];
        boolean fp = fp(q);
        long mu = fp ? 0 : barrettMu(q);
        for (int start = 0; start < bound; start += BLOCK) {
            int end = Math.min(start + BLOCK, bound);
            for (int j = 0; j < xs.length; j++) {
                long[] x = xs[j];
                int offset = 0;
                if (perm != null) {
                    gather(x, perm, start, end, gathered);
                    x = gathered;
                    offset = start;
                }
                if (fp) {
                    multiplyFp(x, offset, w[j], out, start, end, q.value(), j > 0);
                } else {
                    multiplyBarrett(x, offset, w[j], out, start, end, q.value(), q.bits(), mu, j > 0);
                }
            }
        }
        for (int k = bound; k < n; k++) {
            int src = perm == null ? k : perm[k];
            long acc = 0;
            for (int j = 0; j < xs.length; j++) {
                acc = q.add(acc, q.mul(xs[j][src], w[j][k]));
            }
            out[k] = acc;
        }
    }

    /** acc[k] (+)= x[k − offset]·w[k] for k in [start, end), lazily in [0, 2q), reduced on the last pass. */
    static void ipPass(long[] x, int offset, long[] w, long[] ws, long[] acc, int start, int end, long q,
                       boolean first, boolean last) {
        LongVector qv = splat(q);
        LongVector twoQ = splat(2 * q);
        LongVector m32 = splat(M32);
        LongVector zero = splat(0);
        LongVector bound = last ? qv : twoQ;
        for (int k = start; k < end; k += LANES) {
            LongVector v = LongVector.fromArray(SPECIES, x, k - offset);
            LongVector wsv = LongVector.fromArray(SPECIES, ws, k);
            LongVector wsLo = wsv.and(m32);
            LongVector wsHi = wsv.lanewise(LSHR, 32);
            LongVector vLo = v.and(m32);
            LongVector vHi = v.lanewise(LSHR, 32);
            LongVector hi = vHi.mul(wsHi).add(vLo.mul(wsHi).lanewise(LSHR, 32))
                    .add(vHi.mul(wsLo).lanewise(LSHR, 32));
            LongVector p = v.mul(LongVector.fromArray(SPECIES, w, k)).sub(hi.mul(qv));
            p = p.lanewise(UMIN, p.sub(twoQ));
            LongVector s = (first ? zero : LongVector.fromArray(SPECIES, acc, k)).add(p);
            s = s.lanewise(UMIN, s.sub(twoQ));
            s.lanewise(UMIN, s.sub(bound)).intoArray(acc, k);
        }
    }

    /** Floating-point variant (q &lt; 2^50): canonical partial sums; the Shoup companions are not needed. */
    static void ipPassFp(long[] x, int offset, long[] w, long[] acc, int start, int end, long q, boolean first) {
        LongVector qv = splat(q);
        DoubleVector qInv = splat(1.0 / q);
        DoubleVector magic = splat(MAGIC);
        LongVector magicBits = splat(MAGIC_BITS);
        LongVector zero = splat(0);
        for (int k = start; k < end; k += LANES) {
            LongVector v = LongVector.fromArray(SPECIES, x, k - offset);
            LongVector wv = LongVector.fromArray(SPECIES, w, k);
            DoubleVector vd = (DoubleVector) v.convert(L2D, 0);
            DoubleVector wd = (DoubleVector) wv.convert(L2D, 0);
            LongVector est = vd.mul(wd).fma(qInv, magic).viewAsIntegralLanes().sub(magicBits);
            LongVector r = v.mul(wv).sub(est.mul(qv));
            LongVector s = (first ? zero : LongVector.fromArray(SPECIES, acc, k)).add(r.lanewise(UMIN, r.add(qv)));
            s.lanewise(UMIN, s.sub(qv)).intoArray(acc, k);
        }
    }
}
