package org.hecnn.kernels.engine;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.hecnn.backend.DeviceDecomposition;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.backend.PolyEngine;
import org.hecnn.ring.BasisConverter;
import org.hecnn.ring.Modulus;
import org.hecnn.ring.NttTable;
import org.hecnn.ring.RnsRing;

/**
 * A {@link PolyEngine} whose polynomials, decompositions and keys live in device memory; the only transfers are
 * {@link #upload}, {@link #download}, key uploads and a few per-call constants. The same engine drives OpenCL
 * and CUDA through {@link GpuRuntime}, with the kernels of {@code rns.cl}; results are bit-identical to
 * {@code HostEngine} with {@code ScalarLimbKernels}.
 *
 * <p>Fusions: every operation runs over all limbs in one launch; the NTT runs as one launch per pass of up to
 * 2^tileLog words in local memory (two passes at N = 2^16); ModUp's and ModDown's basis conversions run inside
 * the first pass of the forward NTT that follows them, rescale's centred reduction likewise; the final
 * subtract-and-scale of rescale and ModDown runs in the last NTT pass (the conversions are centred, with the
 * double-precision quotient computed exactly as BasisConverter specifies); the scaling by (Q/q_i)^-1 of ModUp and
 * ModDown is folded into the N^-1 of the inverse NTT; the key-switch inner product computes both key halves in
 * one pass over the digits with the Galois permutation applied on the fly.
 */
public class GpuEngine implements PolyEngine {
    // Kernel modes; must match rns.cl.
    static final int LOAD_SRC = 0;
    static final int LOAD_INPLACE = 1;
    static final int LOAD_CONVERT = 2;
    static final int LOAD_CENTERED = 3;
    static final int STORE_LAZY = 0;
    static final int STORE_CANONICAL = 1;
    static final int STORE_SUBSCALE = 2;
    static final int STORE_SCALE_N = 1;
    static final int STORE_SCALE_ROW = 2;
    static final int ROW_STRIDE = 8;
    static final int MOD_STRIDE = 8;

    private static final int EW_BLOCK = 256;
    private static final int NTT_BLOCK = 256;

    private final RnsRing ring;
    private final GpuRuntime rt;
    private final int logN;
    private final int n;
    private final int qCount;
    private final int pCount;
    private final int tileLog;
    private final NttPlan forwardPlan;
    private final NttPlan inversePlan;
    private final BufferPool pool;
    private final GpuBuffer mods;
    private final GpuBuffer twiddles;
    private final GpuBuffer dummy;
    private final Map<String, RowTable> tables = new HashMap<>();
    private final Map<Integer, GpuBuffer> permutations = new HashMap<>();
    private static final int CONSTANT_CACHE = 256;
    private final Map<Constants, GpuBuffer> constants = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Constants, GpuBuffer> eldest) {
            if (size() > CONSTANT_CACHE) {
                pool.release(eldest.getValue());
                return true;
            }
            return false;
        }
    };
    private boolean closed;
    /** Device copy of the last integer plaintext uploaded (N ints), allocated on first use. */
    private GpuBuffer integerStaging;

    /** Rows of a batched NTT launch and the constants they refer to. */
    private record RowTable(GpuBuffer rows, GpuBuffer consts, int count) {
    }

    public GpuEngine(RnsRing ring, GpuRuntime runtime) {
        this(ring, runtime, runtime.tileLog());
    }

    /** {@code tileLog} below the runtime's lets tests exercise multi-pass transforms on small rings. */
    public GpuEngine(RnsRing ring, GpuRuntime runtime, int tileLog) {
        if (tileLog < 1 || tileLog > runtime.tileLog()) {
            throw new IllegalArgumentException("tileLog must be in [1, " + runtime.tileLog() + "]: " + tileLog);
        }
        if (ring.logN() < 1) {
            throw new IllegalArgumentException("logN must be at least 1");
        }
        this.ring = ring;
        this.rt = runtime;
        this.logN = ring.logN();
        this.n = ring.n();
        this.qCount = ring.qCount();
        this.pCount = ring.pCount();
        this.tileLog = tileLog;
        this.forwardPlan = NttPlan.forward(logN, tileLog);
        this.inversePlan = NttPlan.inverse(logN, tileLog);
        long maxCached = Long.getLong("hecnn.gpu.poolBytes", 2L << 30);
        this.pool = new BufferPool(runtime, maxCached);
        synchronized (rt) {
            int moduli = qCount + pCount;
            long[] m = new long[moduli * MOD_STRIDE];
            long[] tw = new long[moduli * 4 * n];
            for (int i = 0; i < moduli; i++) {
                NttTable t = i < qCount ? ring.qTable(i) : ring.pTable(i - qCount);
                Modulus q = t.modulus();
                m[i * MOD_STRIDE] = q.value();
                m[i * MOD_STRIDE + 1] = BigInteger.ONE.shiftLeft(2 * q.bits())
                        .divide(BigInteger.valueOf(q.value())).longValueExact();
                m[i * MOD_STRIDE + 2] = q.bits();
                m[i * MOD_STRIDE + 3] = q.shoup(1);
                m[i * MOD_STRIDE + 4] = t.nInverse();
                m[i * MOD_STRIDE + 5] = t.nInverseShoup();
                int base = i * 4 * n;
                System.arraycopy(t.forwardTwiddles(), 0, tw, base, n);
                System.arraycopy(t.forwardTwiddlesShoup(), 0, tw, base + n, n);
                System.arraycopy(t.inverseTwiddles(), 0, tw, base + 2 * n, n);
                System.arraycopy(t.inverseTwiddlesShoup(), 0, tw, base + 3 * n, n);
            }
            mods = rt.allocate(8L * m.length);
            rt.write(mods, 0, m, 0, m.length);
            twiddles = rt.allocate(8L * tw.length);
            rt.write(twiddles, 0, tw, 0, tw.length);
            dummy = rt.allocate(64);
            rt.zero(dummy, 0, 64);
        }
    }

    BufferPool pool() {
        return pool;
    }

    /** The runtime this engine launches on (for device timers in benchmarks). */
    public GpuRuntime runtime() {
        return rt;
    }

    /** Peak bytes of device memory held by this engine's pooled buffers (tables excluded). */
    public long peakPooledBytes() {
        return pool.peakBytes();
    }

    /** Waits for all queued device work. */
    public void finish() {
        synchronized (rt) {
            rt.finish();
        }
    }

    @Override
    public RnsRing ring() {
        return ring;
    }

    @Override
    public String backendName() {
        return rt.backendName();
    }

    // ------------------------------------------------------------------------------------------------
    // Handles and checks (same messages as HostEngine)
    // ------------------------------------------------------------------------------------------------

    private int limbCount(int qLimbs, boolean special) {
        return qLimbs + (special ? pCount : 0);
    }

    private void checkLimbs(int qLimbs) {
        if (qLimbs < 1 || qLimbs > qCount) {
            throw new IllegalArgumentException("qLimbs must be in [1, " + qCount + "]: " + qLimbs);
        }
    }

    private GpuPoly poly(DevicePoly p) {
        if (p instanceof GpuPoly g && g.engine == this) {
            return g;
        }
        throw new IllegalArgumentException("polynomial " + p + " belongs to another engine than this "
                + backendName() + " engine");
    }

    private static void sameShape(GpuPoly a, GpuPoly b) {
        if (a.qLimbs() != b.qLimbs() || a.hasSpecial() != b.hasSpecial()) {
            throw new IllegalArgumentException("limb structure differs: " + a.qLimbs() + "/" + a.hasSpecial()
                    + " vs " + b.qLimbs() + "/" + b.hasSpecial());
        }
    }

    private Modulus modulus(int limb, int qLimbs) {
        return ring.limbModulus(limb, qLimbs);
    }

    private long polyBytes(int limbs) {
        return 8L * limbs * n;
    }

    private GpuPoly newPoly(int qLimbs, boolean special) {
        int limbs = limbCount(qLimbs, special);
        return new GpuPoly(this, pool.acquire(polyBytes(limbs)), qLimbs, special, limbs);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("engine is closed");
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Allocation and transfers
    // ------------------------------------------------------------------------------------------------

    @Override
    public DevicePoly allocate(int qLimbs, boolean withSpecial) {
        checkLimbs(qLimbs);
        synchronized (rt) {
            ensureOpen();
            GpuPoly p = newPoly(qLimbs, withSpecial);
            rt.zero(p.buffer(), 0, polyBytes(p.limbCount()));
            return p;
        }
    }

    @Override
    public DevicePoly upload(long[][] limbs, int qLimbs, boolean withSpecial) {
        checkLimbs(qLimbs);
        int count = limbCount(qLimbs, withSpecial);
        if (limbs.length != count) {
            throw new IllegalArgumentException("expected " + count + " limbs, got " + limbs.length);
        }
        for (int i = 0; i < limbs.length; i++) {
            if (limbs[i].length != n) {
                throw new IllegalArgumentException("limb " + i + " has length " + limbs[i].length);
            }
        }
        synchronized (rt) {
            ensureOpen();
            GpuPoly p = newPoly(qLimbs, withSpecial);
            long[] flat = new long[count * n];
            for (int i = 0; i < count; i++) {
                System.arraycopy(limbs[i], 0, flat, i * n, n);
            }
            rt.write(p.buffer(), 0, flat, 0, flat.length);
            return p;
        }
    }

    /** Uploads four bytes a coefficient and reduces them modulo every prime on the device. */
    @Override
    public DevicePoly uploadIntegers(java.lang.foreign.MemorySegment segment, int qLimbs) {
        checkLimbs(qLimbs);
        PolyEngine.requireIntegers(segment, n);
        // The runtimes copy from arrays: integers off the heap (a mapped file) are copied into one first.
        int[] coefficients = segment.heapBase().orElse(null) instanceof int[] array && segment.address() == 0
                ? array : segment.toArray(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED);
        synchronized (rt) {
            ensureOpen();
            if (integerStaging == null) {
                integerStaging = rt.allocate(4L * n);
            }
            GpuPoly p = newPoly(qLimbs, false);
            // The queue is in order: this write waits for the kernel that read the previous integers.
            rt.write(integerStaging, coefficients);
            elementwise(Kernel.EW_REDUCE_INT, p, p.buffer(), integerStaging);
            return p;
        }
    }

    @Override
    public long[][] download(DevicePoly poly) {
        GpuPoly p = poly(poly);
        long[] flat = new long[p.limbCount() * n];
        synchronized (rt) {
            ensureOpen();
            rt.read(p.buffer(), 0, flat, 0, flat.length);
        }
        long[][] out = new long[p.limbCount()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * n, (i + 1) * n);
        }
        return out;
    }

    @Override
    public DevicePoly copy(DevicePoly poly) {
        GpuPoly p = poly(poly);
        synchronized (rt) {
            ensureOpen();
            GpuPoly out = newPoly(p.qLimbs(), p.hasSpecial());
            rt.copy(p.buffer(), 0, out.buffer(), 0, polyBytes(p.limbCount()));
            return out;
        }
    }

    @Override
    public DevicePoly truncate(DevicePoly poly, int qLimbs) {
        GpuPoly p = poly(poly);
        if (qLimbs > p.qLimbs()) {
            throw new IllegalArgumentException("cannot truncate " + p.qLimbs() + " limbs to " + qLimbs);
        }
        checkLimbs(qLimbs);
        synchronized (rt) {
            ensureOpen();
            GpuPoly out = newPoly(qLimbs, false);
            rt.copy(p.buffer(), 0, out.buffer(), 0, polyBytes(qLimbs));
            return out;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // NTT
    // ------------------------------------------------------------------------------------------------

    private int nttBlock(NttPlan.Pass pass) {
        return Math.max(1, Math.min(Math.min(NTT_BLOCK, rt.maxWorkGroupSize()), 1 << (pass.tileLog() - 1)));
    }

    /**
     * Forward NTT of the rows of {@code t} (all passes): the first pass loads as {@code loadMode}, the last stores
     * as {@code storeMode}, the passes between work in place on {@code dst}.
     */
    private void forward(RowTable t, GpuBuffer dst, int dstBase, GpuBuffer src, int srcBase, int loadMode,
                         GpuBuffer aux, int auxBase, int storeMode, GpuBuffer x, int xBase) {
        List<NttPlan.Pass> passes = forwardPlan.passes();
        for (int i = 0; i < passes.size(); i++) {
            NttPlan.Pass p = passes.get(i);
            int lm = i == 0 ? loadMode : LOAD_INPLACE;
            int sm = i == passes.size() - 1 ? storeMode : STORE_LAZY;
            rt.launch(Kernel.NTT_FORWARD, n >> p.tileLog(), t.count(), nttBlock(p),
                    dst, orDummy(src), orDummy(aux), orDummy(x), t.rows(), t.consts(), twiddles, mods,
                    logN, p.s0(), p.k(), p.logR(), lm, sm, dstBase, srcBase, auxBase, xBase);
        }
    }

    private void inverse(RowTable t, GpuBuffer dst, int dstBase, GpuBuffer src, int srcBase, int storeMode) {
        List<NttPlan.Pass> passes = inversePlan.passes();
        for (int i = 0; i < passes.size(); i++) {
            NttPlan.Pass p = passes.get(i);
            int lm = i == 0 ? LOAD_SRC : LOAD_INPLACE;
            int sm = i == passes.size() - 1 ? storeMode : STORE_LAZY;
            rt.launch(Kernel.NTT_INVERSE, n >> p.tileLog(), t.count(), nttBlock(p),
                    dst, src, t.rows(), t.consts(), twiddles, mods,
                    logN, p.s0(), p.k(), p.logR(), lm, sm, dstBase, srcBase);
        }
    }

    private GpuBuffer orDummy(GpuBuffer b) {
        return b == null ? dummy : b;
    }

    private int modIndex(int limb, int qLimbs) {
        return limb < qLimbs ? limb : qCount + limb - qLimbs;
    }

    private RowTable table(String key, Supplier<RowTable> make) {
        return tables.computeIfAbsent(key, k -> make.get());
    }

    private RowTable upload(int[] rows, long[] consts) {
        GpuBuffer r = rt.allocate(4L * rows.length);
        rt.write(r, rows);
        GpuBuffer c = dummy;
        if (consts != null && consts.length > 0) {
            c = rt.allocate(8L * consts.length);
            rt.write(c, 0, consts, 0, consts.length);
        }
        return new RowTable(r, c, rows.length / ROW_STRIDE);
    }

    /** Plain rows: limb i of a polynomial with the given structure, in place. */
    private RowTable polyRows(int qLimbs, boolean special) {
        return table("poly:" + qLimbs + ":" + special, () -> {
            int limbs = limbCount(qLimbs, special);
            int[] rows = new int[limbs * ROW_STRIDE];
            for (int i = 0; i < limbs; i++) {
                rows[i * ROW_STRIDE] = i;
                rows[i * ROW_STRIDE + 1] = modIndex(i, qLimbs);
                rows[i * ROW_STRIDE + 2] = i;
            }
            return upload(rows, null);
        });
    }

    @Override
    public void forwardNtt(DevicePoly poly) {
        GpuPoly p = poly(poly);
        synchronized (rt) {
            ensureOpen();
            GpuBuffer b = p.buffer();
            forward(polyRows(p.qLimbs(), p.hasSpecial()), b, 0, b, 0, LOAD_SRC, null, 0, STORE_CANONICAL, null, 0);
        }
    }

    @Override
    public void inverseNtt(DevicePoly poly) {
        GpuPoly p = poly(poly);
        synchronized (rt) {
            ensureOpen();
            GpuBuffer b = p.buffer();
            inverse(polyRows(p.qLimbs(), p.hasSpecial()), b, 0, b, 0, STORE_SCALE_N);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Element-wise operations
    // ------------------------------------------------------------------------------------------------

    private int ewBlock() {
        return Math.min(Math.min(EW_BLOCK, rt.maxWorkGroupSize()), n);
    }

    /** Launches an element-wise kernel: its buffers, then mods, logN, split, off1, then its extra ints. */
    private void elementwise(Kernel k, GpuPoly shape, Object... buffersThenExtra) {
        int block = ewBlock();
        int nb = 0;
        while (nb < buffersThenExtra.length && buffersThenExtra[nb] instanceof GpuBuffer) {
            nb++;
        }
        Object[] full = new Object[buffersThenExtra.length + 4];
        System.arraycopy(buffersThenExtra, 0, full, 0, nb);
        full[nb] = mods;
        full[nb + 1] = logN;
        full[nb + 2] = shape.qLimbs();
        full[nb + 3] = qCount;
        System.arraycopy(buffersThenExtra, nb, full, nb + 4, buffersThenExtra.length - nb);
        rt.launch(k, n / block, shape.limbCount(), block, full);
    }

    private void binary(Kernel k, DevicePoly a, DevicePoly b, DevicePoly out) {
        GpuPoly x = poly(a);
        GpuPoly y = poly(b);
        GpuPoly o = poly(out);
        sameShape(x, y);
        sameShape(x, o);
        synchronized (rt) {
            ensureOpen();
            elementwise(k, x, o.buffer(), x.buffer(), y.buffer());
        }
    }

    @Override
    public void add(DevicePoly a, DevicePoly b, DevicePoly out) {
        binary(Kernel.EW_ADD, a, b, out);
    }

    @Override
    public void subtract(DevicePoly a, DevicePoly b, DevicePoly out) {
        binary(Kernel.EW_SUB, a, b, out);
    }

    @Override
    public void negate(DevicePoly a, DevicePoly out) {
        GpuPoly x = poly(a);
        GpuPoly o = poly(out);
        sameShape(x, o);
        synchronized (rt) {
            ensureOpen();
            elementwise(Kernel.EW_NEG, x, o.buffer(), x.buffer());
        }
    }

    @Override
    public void multiply(DevicePoly a, DevicePoly b, DevicePoly out) {
        binary(Kernel.EW_MUL, a, b, out);
    }

    @Override
    public void multiplyAdd(DevicePoly a, DevicePoly b, DevicePoly acc) {
        binary(Kernel.EW_MUL_ADD, a, b, acc);
    }

    private void constantOp(Kernel k, DevicePoly a, long[] c, DevicePoly out, boolean shoup) {
        GpuPoly x = poly(a);
        GpuPoly o = poly(out);
        sameShape(x, o);
        int limbs = x.limbCount();
        if (c.length < limbs) {
            throw new IllegalArgumentException("need one constant per limb: " + limbs + ", got " + c.length);
        }
        long[] packed = new long[2 * limbs];
        for (int i = 0; i < limbs; i++) {
            Modulus q = modulus(i, x.qLimbs());
            if (c[i] < 0 || c[i] >= q.value()) {
                throw new IllegalArgumentException("constant " + c[i] + " is not reduced modulo " + q);
            }
            packed[i] = c[i];
            packed[limbs + i] = shoup ? q.shoup(c[i]) : 0;
        }
        synchronized (rt) {
            ensureOpen();
            elementwise(k, x, o.buffer(), x.buffer(), constantBuffer(packed), limbs);
        }
    }

    /** Key of the per-call constants cache: the packed constants themselves. */
    private record Constants(long[] packed) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Constants c && Arrays.equals(packed, c.packed);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(packed);
        }
    }

    /**
     * Device copy of per-call constants. Programs reuse a few constants over and over (scales, plaintext
     * scalars), so the most recent ones stay on the device and a repeated call needs no host-to-device write.
     * An evicted buffer goes back to the pool; the in-order queue orders its reuse after the kernels reading it.
     */
    private GpuBuffer constantBuffer(long[] packed) {
        Constants key = new Constants(packed);
        GpuBuffer b = constants.get(key);
        if (b == null) {
            b = pool.acquire(8L * packed.length);
            rt.write(b, 0, packed, 0, packed.length);
            constants.put(key, b);
        }
        return b;
    }

    @Override
    public void multiplyConstant(DevicePoly a, long[] c, DevicePoly out) {
        constantOp(Kernel.EW_MUL_CONST, a, c, out, true);
    }

    @Override
    public void multiplyConstantAdd(DevicePoly a, long[] c, DevicePoly acc) {
        constantOp(Kernel.EW_MUL_CONST_ADD, a, c, acc, true);
    }

    @Override
    public void addConstant(DevicePoly a, long[] c, DevicePoly out) {
        constantOp(Kernel.EW_ADD_CONST, a, c, out, false);
    }

    @Override
    public void tensor(DevicePoly a0, DevicePoly a1, DevicePoly b0, DevicePoly b1,
                       DevicePoly d0, DevicePoly d1, DevicePoly d2) {
        GpuPoly x0 = poly(a0);
        GpuPoly x1 = poly(a1);
        GpuPoly y0 = poly(b0);
        GpuPoly y1 = poly(b1);
        GpuPoly o0 = poly(d0);
        GpuPoly o1 = poly(d1);
        GpuPoly o2 = poly(d2);
        for (GpuPoly p : new GpuPoly[] {x1, y0, y1, o0, o1, o2}) {
            sameShape(x0, p);
        }
        int square = a0 == b0 && a1 == b1 ? 1 : 0;
        synchronized (rt) {
            ensureOpen();
            elementwise(Kernel.EW_TENSOR, x0, o0.buffer(), o1.buffer(), o2.buffer(), x0.buffer(), x1.buffer(),
                    y0.buffer(), y1.buffer(), square);
        }
    }

    private GpuBuffer permutation(int galoisElement) {
        GpuBuffer b = permutations.get(galoisElement);
        if (b == null) {
            int[] perm = ring.galoisPermutation(galoisElement);
            b = rt.allocate(4L * n);
            rt.write(b, perm);
            permutations.put(galoisElement, b);
        }
        return b;
    }

    @Override
    public void automorphism(DevicePoly a, int galoisElement, DevicePoly out) {
        GpuPoly x = poly(a);
        GpuPoly o = poly(out);
        sameShape(x, o);
        if (x == o) {
            throw new IllegalArgumentException("automorphism output must not alias its input");
        }
        synchronized (rt) {
            ensureOpen();
            GpuBuffer perm = permutation(galoisElement);
            int block = ewBlock();
            rt.launch(Kernel.EW_PERMUTE, n / block, x.limbCount(), block, o.buffer(), x.buffer(), perm, logN);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Rescale
    // ------------------------------------------------------------------------------------------------

    @Override
    public DevicePoly rescale(DevicePoly a) {
        GpuPoly x = poly(a);
        if (x.hasSpecial()) {
            throw new IllegalArgumentException("rescale expects a polynomial over Q only");
        }
        int level = x.qLimbs() - 1;
        if (level < 1) {
            throw new IllegalArgumentException("cannot rescale a polynomial with a single limb");
        }
        synchronized (rt) {
            ensureOpen();
            RowTable last = table("rescale-last:" + level, () -> {
                int[] rows = new int[ROW_STRIDE];
                rows[1] = level;
                rows[2] = level;
                return upload(rows, null);
            });
            RowTable main = table("rescale:" + level, () -> {
                int[] rows = new int[level * ROW_STRIDE];
                long[] consts = new long[3 * level];
                Modulus qLast = ring.q(level);
                for (int i = 0; i < level; i++) {
                    int r = i * ROW_STRIDE;
                    rows[r] = i;
                    rows[r + 1] = i;
                    rows[r + 3] = 0;
                    rows[r + 4] = level;
                    rows[r + 5] = 3 * i;
                    rows[r + 6] = i;
                    rows[r + 7] = 3 * i + 1;
                    consts[3 * i] = ring.q(i).reduce(qLast.value());
                    consts[3 * i + 1] = ring.lastInverse(level, i);
                    consts[3 * i + 2] = ring.lastInverseShoup(level, i);
                }
                return upload(rows, consts);
            });
            GpuBuffer tmp = pool.acquire(polyBytes(1));
            try {
                inverse(last, tmp, 0, x.buffer(), 0, STORE_SCALE_N);
                GpuPoly out = newPoly(level, false);
                forward(main, out.buffer(), 0, null, 0, LOAD_CENTERED, tmp, 0, STORE_SUBSCALE, x.buffer(), 0);
                return out;
            } finally {
                pool.release(tmp);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Key switching
    // ------------------------------------------------------------------------------------------------

    @Override
    public DeviceSwitchKey uploadSwitchKey(long[][][] b, long[][][] a) {
        int digits = b.length;
        int limbs = digits == 0 ? 0 : b[0].length;
        int keyQ = limbs - pCount;
        if (keyQ < 1 || keyQ > qCount || a.length != digits || digits != ring.digitCount(keyQ)) {
            throw new IllegalArgumentException("a switching key over " + keyQ + " data limbs must have "
                    + (keyQ >= 1 && keyQ <= qCount ? ring.digitCount(keyQ) : "?") + " digits of " + limbs + " limbs");
        }
        long[] flat = new long[2 * digits * limbs * n];
        for (int h = 0; h < 2; h++) {
            long[][][] src = h == 0 ? b : a;
            for (int j = 0; j < digits; j++) {
                if (src[j].length != limbs) {
                    throw new IllegalArgumentException("switching key digit " + j + " must have " + limbs + " limbs");
                }
                for (int t = 0; t < limbs; t++) {
                    if (src[j][t].length != n) {
                        throw new IllegalArgumentException("switching key limb has length " + src[j][t].length);
                    }
                    System.arraycopy(src[j][t], 0, flat, ((h * digits + j) * limbs + t) * n, n);
                }
            }
        }
        synchronized (rt) {
            ensureOpen();
            GpuBuffer buf = pool.acquire(8L * flat.length);
            rt.write(buf, 0, flat, 0, flat.length);
            return new GpuSwitchKey(this, buf, digits, keyQ);
        }
    }

    /** ModUp tables for ql data limbs: the inverse NTT rows (scaled by (Q_j/q_i)^-1) and the conversion rows. */
    private RowTable[] modUpTables(int ql) {
        RowTable intt = table("modup-intt:" + ql, () -> {
            int[] rows = new int[ql * ROW_STRIDE];
            long[] consts = new long[2 * ql];
            for (int i = 0; i < ql; i++) {
                int j = i / ring.alpha();
                BasisConverter conv = ring.digitConverter(j, ql);
                Modulus q = ring.q(i);
                long c = q.mul(ring.qTable(i).nInverse(), conv.hatInverse(i - ring.digitStart(j)));
                int r = i * ROW_STRIDE;
                rows[r] = i;
                rows[r + 1] = i;
                rows[r + 2] = i;
                rows[r + 7] = 2 * i;
                consts[2 * i] = c;
                consts[2 * i + 1] = q.shoup(c);
            }
            return upload(rows, consts);
        });
        RowTable conv = table("modup-conv:" + ql, () -> {
            int width = ql + pCount;
            int digits = ring.digitCount(ql);
            List<int[]> rows = new ArrayList<>();
            List<long[]> consts = new ArrayList<>();
            int offset = 0;
            for (int j = 0; j < digits; j++) {
                int start = ring.digitStart(j);
                int end = ring.digitEnd(j, ql);
                BasisConverter bc = ring.digitConverter(j, ql);
                for (int t = 0; t < width; t++) {
                    if (t >= start && t < end) {
                        continue;
                    }
                    int count = end - start;
                    rows.add(new int[] {j * width + t, modIndex(t, ql), 0, start, count, offset, 0, 0});
                    long[] c = conversionConstants(bc, t);
                    consts.add(c);
                    offset += c.length;
                }
            }
            return upload(flatten(rows), flattenLongs(consts, offset));
        });
        return new RowTable[] {intt, conv};
    }

    /**
     * Loader constants of a centred basis conversion to target t (LOAD_CONVERT in rns.cl): (Q/q_i) mod t and
     * their Shoup companions, 1/q_i as IEEE double bits, and the corrections (-v Q) mod t for v in [0, count].
     */
    private static long[] conversionConstants(BasisConverter bc, int t) {
        int count = bc.sourceSize();
        long[] c = new long[4 * count + 1];
        System.arraycopy(bc.hatModTarget(t), 0, c, 0, count);
        System.arraycopy(bc.hatModTargetShoup(t), 0, c, count, count);
        double[] inv = bc.inverseModuli();
        for (int i = 0; i < count; i++) {
            c[2 * count + i] = Double.doubleToRawLongBits(inv[i]);
        }
        System.arraycopy(bc.corrections(t), 0, c, 3 * count, count + 1);
        return c;
    }

    private static int[] flatten(List<int[]> rows) {
        int[] out = new int[rows.size() * ROW_STRIDE];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, out, i * ROW_STRIDE, ROW_STRIDE);
        }
        return out;
    }

    private static long[] flattenLongs(List<long[]> parts, int total) {
        long[] out = new long[Math.max(total, 1)];
        int o = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    @Override
    public DeviceDecomposition decompose(DevicePoly a) {
        GpuPoly x = poly(a);
        if (x.hasSpecial()) {
            throw new IllegalArgumentException("decompose expects a polynomial over Q only");
        }
        if (pCount == 0) {
            throw new IllegalStateException("key switching needs special moduli; this ring has none");
        }
        int ql = x.qLimbs();
        int width = ql + pCount;
        int digits = ring.digitCount(ql);
        synchronized (rt) {
            ensureOpen();
            RowTable[] t = modUpTables(ql);
            GpuBuffer scaled = pool.acquire(polyBytes(ql));
            GpuBuffer d = pool.acquire(polyBytes(digits * width));
            try {
                // Coefficient form of every limb times its digit's (Q_j/q_i)^-1.
                inverse(t[0], scaled, 0, x.buffer(), 0, STORE_SCALE_ROW);
                // The digit's own limbs are the input's NTT limbs.
                for (int j = 0; j < digits; j++) {
                    int start = ring.digitStart(j);
                    int end = ring.digitEnd(j, ql);
                    rt.copy(x.buffer(), polyBytes(start), d, polyBytes(j * width + start), polyBytes(end - start));
                }
                // Every other limb: basis conversion fused into its forward NTT.
                forward(t[1], d, 0, null, 0, LOAD_CONVERT, scaled, 0, STORE_CANONICAL, null, 0);
            } catch (RuntimeException e) {
                pool.release(d);
                throw e;
            } finally {
                pool.release(scaled);
            }
            return new GpuDecomposition(this, d, ql, digits);
        }
    }

    /** ModDown tables for ql data limbs: inverse NTT of the special limbs of both accumulators, conversion rows. */
    private RowTable[] modDownTables(int ql) {
        int width = ql + pCount;
        RowTable intt = table("moddown-intt:" + ql, () -> {
            BasisConverter conv = ring.specialToData();
            int[] rows = new int[2 * pCount * ROW_STRIDE];
            long[] consts = new long[2 * pCount];
            for (int j = 0; j < pCount; j++) {
                Modulus p = ring.p(j);
                long c = p.mul(ring.pTable(j).nInverse(), conv.hatInverse(j));
                consts[2 * j] = c;
                consts[2 * j + 1] = p.shoup(c);
                for (int h = 0; h < 2; h++) {
                    int r = (h * pCount + j) * ROW_STRIDE;
                    rows[r] = h * pCount + j;
                    rows[r + 1] = qCount + j;
                    rows[r + 2] = h * width + ql + j;
                    rows[r + 7] = 2 * j;
                }
            }
            return upload(rows, consts);
        });
        RowTable conv = table("moddown-conv:" + ql, () -> {
            BasisConverter bc = ring.specialToData();
            int[] rows = new int[ql * ROW_STRIDE];
            int convLength = 4 * pCount + 1;
            int stride = convLength + 2;
            long[] consts = new long[ql * stride];
            for (int i = 0; i < ql; i++) {
                int r = i * ROW_STRIDE;
                rows[r] = i;
                rows[r + 1] = i;
                rows[r + 3] = 0;
                rows[r + 4] = pCount;
                rows[r + 5] = i * stride;
                rows[r + 6] = i;
                rows[r + 7] = i * stride + convLength;
                System.arraycopy(conversionConstants(bc, i), 0, consts, i * stride, convLength);
                consts[i * stride + convLength] = ring.pInverse(i);
                consts[i * stride + convLength + 1] = ring.pInverseShoup(i);
            }
            return upload(rows, consts);
        });
        return new RowTable[] {intt, conv};
    }

    @Override
    public DevicePoly[] keySwitch(DeviceDecomposition decomposition, DeviceSwitchKey key, int galoisElement) {
        if (!(decomposition instanceof GpuDecomposition d) || d.engine != this
                || !(key instanceof GpuSwitchKey k) || k.engine != this) {
            throw new IllegalArgumentException("decomposition or key belongs to another engine than this "
                    + backendName() + " engine");
        }
        int ql = d.qLimbs();
        int width = ql + pCount;
        int digits = d.digits();
        if (digits > k.digits() || ql > k.qLimbs()) {
            throw new IllegalArgumentException("the key covers " + k.qLimbs() + " data limbs, the decomposition "
                    + ql);
        }
        synchronized (rt) {
            ensureOpen();
            GpuBuffer perm = galoisElement == 1 ? dummy : permutation(galoisElement);
            RowTable[] t = modDownTables(ql);
            GpuBuffer acc = pool.acquire(polyBytes(2 * width));
            GpuBuffer scaled = pool.acquire(polyBytes(2 * pCount));
            try {
                int block = ewBlock();
                rt.launch(Kernel.KS_INNER_PRODUCT, n / block, width, block, acc, d.buffer(), k.buffer(), perm, mods,
                        logN, ql, qCount, width, digits, k.digits(), k.qLimbs(), k.qLimbs() + pCount,
                        galoisElement == 1 ? 0 : 1);
                // ModDown of both accumulators: P limbs to coefficient form times (P/p_j)^-1 (one launch per pass),
                inverse(t[0], scaled, 0, acc, 0, STORE_SCALE_ROW);
                // then conversion to Q fused into the forward NTT, subtract and scale by P^-1 in its last pass.
                GpuPoly out0 = newPoly(ql, false);
                GpuPoly out1 = newPoly(ql, false);
                forward(t[1], out0.buffer(), 0, null, 0, LOAD_CONVERT, scaled, 0, STORE_SUBSCALE, acc, 0);
                forward(t[1], out1.buffer(), 0, null, 0, LOAD_CONVERT, scaled, pCount, STORE_SUBSCALE, acc, width);
                return new DevicePoly[] {out0, out1};
            } finally {
                pool.release(scaled);
                pool.release(acc);
            }
        }
    }

    @Override
    public void close() {
        synchronized (rt) {
            if (closed) {
                return;
            }
            closed = true;
            constants.values().forEach(pool::release);
            constants.clear();
            pool.close();
            for (RowTable t : tables.values()) {
                rt.free(t.rows());
                if (t.consts() != dummy) {
                    rt.free(t.consts());
                }
            }
            tables.clear();
            for (GpuBuffer b : permutations.values()) {
                rt.free(b);
            }
            permutations.clear();
            if (integerStaging != null) {
                rt.free(integerStaging);
            }
            rt.free(mods);
            rt.free(twiddles);
            rt.free(dummy);
        }
    }
}
