package org.hecnn.backend.host;

import org.hecnn.backend.DeviceDecomposition;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.backend.KeyLimbSource;
import org.hecnn.backend.PairedOperands;
import org.hecnn.backend.PolyEngine;
import org.hecnn.backend.SparseIntegerMatrix;
import org.hecnn.ring.BasisConverter;
import org.hecnn.ring.Modulus;
import org.hecnn.ring.NttTable;
import org.hecnn.ring.RnsRing;

/**
 * A {@link PolyEngine} over host memory that builds the fused operations (rescale, ModUp, key-switch inner
 * product, ModDown) from per-limb {@link LimbKernels} and runs independent limbs through a {@link LimbExecutor}.
 * The scalar reference backend and the vectorised CPU backend are both this engine with different kernels.
 */
public class HostEngine implements PolyEngine {
    /**
     * System property: "true" keeps switching keys without Shoup companions (half the memory, slower inner
     * products), "false" keeps the companions. Default: compact from N = 2^16 on, where a network's keys would
     * otherwise not fit in memory.
     */
    public static final String COMPACT_KEYS = "hecnn.compactKeys";
    /**
     * System property: "true" keeps only the seed of a compact switching key's uniform half and makes each of its
     * limbs again when a key switch reads it (half the memory of compact keys: ResNet-20's keys take 3 GiB, not 6;
     * a key switch at the top level about 29% slower, at mid level 14%, near the bottom 2%; a ResNet-20
     * evaluation about 11%: {@code scripts/key-phase keyswitch}, docs/benchmarks.md); "false" keeps the expanded limbs. Only where keys
     * are compact. Default: false (the server, {@code hecnn serve}, turns it on to hold more sessions).
     */
    public static final String SEEDED_KEYS = "hecnn.seededKeys";
    /**
     * System property: the most bytes of recycled limbs an engine keeps for reuse (default 512 MiB, 1,024 limbs
     * at N = 2^16); 0 turns recycling off.
     */
    public static final String LIMB_POOL_BYTES = "hecnn.limbPoolBytes";

    private final RnsRing ring;
    private final boolean compactKeys;
    private final boolean seededKeys;
    private final LimbKernels kernels;
    private final LimbExecutor executor;
    private final String name;
    /** One limb of scratch per thread, for operations fused limb by limb. */
    private final ThreadLocal<long[]> scratch;
    private final LimbPool pool;

    public HostEngine(RnsRing ring, LimbKernels kernels, LimbExecutor executor, String name) {
        this.ring = ring;
        this.compactKeys = compactKeys(ring.logN());
        this.seededKeys = seededKeys(ring.logN());
        this.kernels = kernels;
        this.executor = executor;
        this.name = name;
        this.scratch = ThreadLocal.withInitial(() -> new long[ring.n()]);
        this.pool = new LimbPool(ring.n(), limbPoolBytes());
    }

    /** The most bytes of recycled limbs an engine keeps ({@link #LIMB_POOL_BYTES}): memory it may hold while idle. */
    public static long limbPoolBytes() {
        return Long.getLong(LIMB_POOL_BYTES, 512L << 20);
    }

    @Override
    public RnsRing ring() {
        return ring;
    }

    @Override
    public String backendName() {
        return name;
    }

    private int limbCount(int qLimbs, boolean special) {
        return qLimbs + (special ? ring.pCount() : 0);
    }

    private HostPoly host(DevicePoly p) {
        if (p instanceof HostPoly h) {
            return h;
        }
        throw new IllegalArgumentException("polynomial " + p + " belongs to another backend than " + name);
    }

    private static void sameShape(HostPoly a, HostPoly b) {
        if (a.qLimbs() != b.qLimbs() || a.hasSpecial() != b.hasSpecial()) {
            throw new IllegalArgumentException("limb structure differs: " + a.qLimbs() + "/" + a.hasSpecial()
                    + " vs " + b.qLimbs() + "/" + b.hasSpecial());
        }
    }

    private Modulus modulus(HostPoly p, int limb) {
        return ring.limbModulus(limb, p.qLimbs());
    }

    private NttTable table(HostPoly p, int limb) {
        return ring.limbTable(limb, p.qLimbs());
    }

    @Override
    public DevicePoly allocate(int qLimbs, boolean withSpecial) {
        checkLimbs(qLimbs);
        long[][] limbs = new long[limbCount(qLimbs, withSpecial)][];
        executor.forEach(limbs.length, i -> limbs[i] = pool.takeZeroed());
        return new HostPoly(limbs, qLimbs, withSpecial, pool);
    }

    /** Like {@link #allocate} without clearing recycled limbs: for outputs whose every coefficient is written. */
    private HostPoly allocateUninitialised(int qLimbs, boolean withSpecial) {
        long[][] limbs = new long[limbCount(qLimbs, withSpecial)][];
        for (int i = 0; i < limbs.length; i++) {
            limbs[i] = pool.take();
        }
        return new HostPoly(limbs, qLimbs, withSpecial, pool);
    }

    private void checkLimbs(int qLimbs) {
        if (qLimbs < 1 || qLimbs > ring.qCount()) {
            throw new IllegalArgumentException("qLimbs must be in [1, " + ring.qCount() + "]: " + qLimbs);
        }
    }

    @Override
    public DevicePoly upload(long[][] limbs, int qLimbs, boolean withSpecial) {
        checkLimbs(qLimbs);
        if (limbs.length != limbCount(qLimbs, withSpecial)) {
            throw new IllegalArgumentException("expected " + limbCount(qLimbs, withSpecial) + " limbs, got "
                    + limbs.length);
        }
        long[][] copy = new long[limbs.length][];
        for (int i = 0; i < limbs.length; i++) {
            if (limbs[i].length != ring.n()) {
                throw new IllegalArgumentException("limb " + i + " has length " + limbs[i].length);
            }
        }
        executor.forEach(limbs.length, i -> copy[i] = pool.copyOf(limbs[i]));
        return new HostPoly(copy, qLimbs, withSpecial, pool);
    }

    @Override
    public DevicePoly uploadIntegers(java.lang.foreign.MemorySegment coefficients, int qLimbs) {
        PolyEngine.requireIntegers(coefficients, ring.n());
        checkLimbs(qLimbs);
        HostPoly p = allocateUninitialised(qLimbs, false);
        executor.forEach(qLimbs, i -> kernels.reduceIntegers(coefficients, p.limb(i), modulus(p, i)));
        return p;
    }

    /** Fused limb by limb: each limb of p is reduced, transformed and used while it is in cache. */
    @Override
    public void multiplyByIntegers(java.lang.foreign.MemorySegment coefficients, DevicePoly[] a, DevicePoly[] out,
                                   boolean accumulate) {
        multiplySumByIntegers(new java.lang.foreign.MemorySegment[] {coefficients}, new DevicePoly[][] {a}, out,
                accumulate);
    }

    /**
     * Fused limb by limb, all terms in one call: each limb of every plaintext is reduced, transformed and used while
     * it is in cache. When there are few limbs, the terms are also split into chunks summed into pooled partial
     * limbs, so every worker has work.
     */
    @Override
    public void multiplySumByIntegers(java.lang.foreign.MemorySegment[] coefficients, DevicePoly[][] a,
                                      DevicePoly[] out, boolean accumulate) {
        if (coefficients.length != a.length || a.length == 0) {
            throw new IllegalArgumentException(coefficients.length + " plaintexts for " + a.length
                    + " operand groups; a sum needs at least one term and one plaintext per group");
        }
        int terms = a.length;
        HostPoly[] result = new HostPoly[out.length];
        HostPoly[][] in = new HostPoly[terms][];
        for (int j = 0; j < terms; j++) {
            PolyEngine.requireIntegers(coefficients[j], ring.n());
            PairedOperands.require(a[j], out);
            in[j] = new HostPoly[a[j].length];
            for (int k = 0; k < a[j].length; k++) {
                in[j][k] = host(a[j][k]);
                result[k] = host(out[k]);
                sameShape(in[j][k], in[0][0]);
                sameShape(result[k], in[0][0]);
            }
        }
        if (in[0][0].hasSpecial()) {
            throw new IllegalArgumentException("products with integer plaintexts take polynomials without special limbs");
        }
        // One term may work in place; with several, chunks could read an output another chunk is writing.
        for (int j = 0; terms > 1 && j < terms; j++) {
            for (HostPoly x : in[j]) {
                for (HostPoly o : result) {
                    if (x == o) {
                        throw new IllegalArgumentException("a sum of several plaintext products must not write into "
                                + "one of its inputs");
                    }
                }
            }
        }
        int limbs = in[0][0].qLimbs();
        int chunks = Math.min(terms, Math.max(1, (MIN_SUM_TASKS + limbs - 1) / limbs));
        // partial[c - 1][k][i]: chunk c's sum for out[k], limb i (chunk 0 writes into out directly).
        long[][][][] partial = new long[chunks - 1][out.length][limbs][];
        executor.forEach(limbs * chunks, task -> {
            int i = task % limbs;
            int c = task / limbs;
            Modulus q = modulus(in[0][0], i);
            NttTable table = table(in[0][0], i);
            long[] p = scratch.get();
            long[][] target = new long[out.length][];
            for (int k = 0; k < out.length; k++) {
                target[k] = c == 0 ? result[k].limb(i) : (partial[c - 1][k][i] = pool.take());
            }
            for (int j = c * terms / chunks, end = (c + 1) * terms / chunks; j < end; j++) {
                kernels.reduceIntegers(coefficients[j], p, q);
                kernels.forwardNtt(p, table);
                boolean add = j > c * terms / chunks || (c == 0 && accumulate);
                for (int k = 0; k < out.length; k++) {
                    if (add) {
                        kernels.multiplyAdd(in[j][k].limb(i), p, target[k], q);
                    } else {
                        kernels.multiply(in[j][k].limb(i), p, target[k], q);
                    }
                }
            }
        });
        if (chunks > 1) {
            executor.forEach(limbs, i -> {
                Modulus q = modulus(in[0][0], i);
                for (int k = 0; k < out.length; k++) {
                    for (int c = 1; c < chunks; c++) {
                        kernels.add(result[k].limb(i), partial[c - 1][k][i], result[k].limb(i), q);
                        pool.give(partial[c - 1][k][i]);
                    }
                }
            });
        }
    }

    /** Tasks a sum of plaintext products is cut into at least (when it has enough terms): 8 per worker of 2. */
    static final int MIN_SUM_TASKS = 16;

    @Override
    public long[][] download(DevicePoly poly) {
        long[][] src = host(poly).limbs();
        long[][] copy = new long[src.length][];
        for (int i = 0; i < src.length; i++) {
            copy[i] = src[i].clone();
        }
        return copy;
    }

    @Override
    public DevicePoly copy(DevicePoly poly) {
        HostPoly p = host(poly);
        return upload(p.limbs(), p.qLimbs(), p.hasSpecial());
    }

    @Override
    public DevicePoly truncate(DevicePoly poly, int qLimbs) {
        HostPoly p = host(poly);
        if (qLimbs > p.qLimbs()) {
            throw new IllegalArgumentException("cannot truncate " + p.qLimbs() + " limbs to " + qLimbs);
        }
        long[][] copy = new long[qLimbs][];
        for (int i = 0; i < qLimbs; i++) {
            copy[i] = pool.copyOf(p.limb(i));
        }
        return new HostPoly(copy, qLimbs, false, pool);
    }

    @Override
    public void forwardNtt(DevicePoly poly) {
        HostPoly p = host(poly);
        executor.forEach(p.limbCount(), i -> kernels.forwardNtt(p.limb(i), table(p, i)));
    }

    @Override
    public void inverseNtt(DevicePoly poly) {
        HostPoly p = host(poly);
        executor.forEach(p.limbCount(), i -> kernels.inverseNtt(p.limb(i), table(p, i)));
    }

    @Override
    public void add(DevicePoly a, DevicePoly b, DevicePoly out) {
        HostPoly x = host(a);
        HostPoly y = host(b);
        HostPoly o = host(out);
        sameShape(x, y);
        sameShape(x, o);
        executor.forEach(x.limbCount(), i -> kernels.add(x.limb(i), y.limb(i), o.limb(i), modulus(x, i)));
    }

    @Override
    public void subtract(DevicePoly a, DevicePoly b, DevicePoly out) {
        HostPoly x = host(a);
        HostPoly y = host(b);
        HostPoly o = host(out);
        sameShape(x, y);
        sameShape(x, o);
        executor.forEach(x.limbCount(), i -> kernels.subtract(x.limb(i), y.limb(i), o.limb(i), modulus(x, i)));
    }

    @Override
    public void negate(DevicePoly a, DevicePoly out) {
        HostPoly x = host(a);
        HostPoly o = host(out);
        sameShape(x, o);
        executor.forEach(x.limbCount(), i -> kernels.negate(x.limb(i), o.limb(i), modulus(x, i)));
    }

    @Override
    public void multiply(DevicePoly a, DevicePoly b, DevicePoly out) {
        HostPoly x = host(a);
        HostPoly y = host(b);
        HostPoly o = host(out);
        sameShape(x, y);
        sameShape(x, o);
        executor.forEach(x.limbCount(), i -> kernels.multiply(x.limb(i), y.limb(i), o.limb(i), modulus(x, i)));
    }

    @Override
    public void multiplyAdd(DevicePoly a, DevicePoly b, DevicePoly acc) {
        HostPoly x = host(a);
        HostPoly y = host(b);
        HostPoly o = host(acc);
        sameShape(x, y);
        sameShape(x, o);
        executor.forEach(x.limbCount(),
                i -> kernels.multiplyAdd(x.limb(i), y.limb(i), o.limb(i), modulus(x, i)));
    }

    @Override
    public void multiplyConstant(DevicePoly a, long[] c, DevicePoly out) {
        HostPoly x = host(a);
        HostPoly o = host(out);
        sameShape(x, o);
        checkConstants(x, c);
        executor.forEach(x.limbCount(), i -> {
            Modulus q = modulus(x, i);
            kernels.multiplyConstant(x.limb(i), c[i], q.shoup(c[i]), o.limb(i), q);
        });
    }

    @Override
    public void multiplyConstantAdd(DevicePoly a, long[] c, DevicePoly acc) {
        HostPoly x = host(a);
        HostPoly o = host(acc);
        sameShape(x, o);
        checkConstants(x, c);
        executor.forEach(x.limbCount(), i -> {
            Modulus q = modulus(x, i);
            kernels.multiplyConstantAdd(x.limb(i), c[i], q.shoup(c[i]), o.limb(i), q);
        });
    }

    /** Coefficients per block of the fused sparse map: a block of every input stays in cache across rows. */
    static final int SPARSE_BLOCK = 1024;

    @Override
    public void sparseLinearMap(DevicePoly[] in, SparseIntegerMatrix m, DevicePoly[] out) {
        if (in.length != m.columns() || out.length != m.rows()) {
            throw new IllegalArgumentException("matrix " + m.rows() + "x" + m.columns() + " applied to "
                    + in.length + " inputs and " + out.length + " outputs");
        }
        HostPoly[] x = new HostPoly[in.length];
        for (int c = 0; c < in.length; c++) {
            x[c] = host(in[c]);
            sameShape(x[0], x[c]);
        }
        if (x[0].hasSpecial()) {
            throw new IllegalArgumentException("sparse linear maps act on data limbs only");
        }
        HostPoly[] o = new HostPoly[out.length];
        java.util.Set<HostPoly> inputs = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        inputs.addAll(java.util.Arrays.asList(x));
        for (int j = 0; j < out.length; j++) {
            o[j] = host(out[j]);
            sameShape(x[0], o[j]);
            if (inputs.contains(o[j])) {
                throw new IllegalArgumentException("sparse linear map outputs must not alias inputs");
            }
        }
        int limbs = x[0].limbCount();
        int n = ring.n();
        int block = Math.min(n, SPARSE_BLOCK);
        int blocks = n / block;
        long[] multipliers = m.groupMultiplier();
        int[] rowGroups = m.rowGroupStart();
        int[] columns = m.termColumn();
        // Per limb once (not per block): the multipliers' residues with their Shoup companions (also of q − c,
        // for subtracted single-term groups) and the limb arrays of every term.
        long[][] c = new long[limbs][multipliers.length];
        long[][] cShoup = new long[limbs][multipliers.length];
        long[][] cNegShoup = new long[limbs][multipliers.length];
        long[][][] xs = new long[limbs][columns.length][];
        executor.forEach(limbs, i -> {
            Modulus q = modulus(x[0], i);
            for (int g = 0; g < multipliers.length; g++) {
                c[i][g] = q.reduce(multipliers[g]);
                cShoup[i][g] = q.shoup(c[i][g]);
                cNegShoup[i][g] = q.shoup(q.negate(c[i][g]));
            }
            for (int t = 0; t < columns.length; t++) {
                xs[i][t] = x[columns[t]].limb(i);
            }
        });
        executor.forEach(limbs * blocks, task -> {
            int i = task / blocks;
            int from = (task % blocks) * block;
            Modulus q = modulus(x[0], i);
            long[] acc = new long[block];
            long[] tmp = new long[block];
            for (int j = 0; j < o.length; j++) {
                kernels.sparseCombination(xs[i], m.termNegative(), m.groupTermStart(), c[i], cShoup[i], cNegShoup[i],
                        rowGroups[j], rowGroups[j + 1], from, block, o[j].limb(i), acc, tmp, q);
            }
        });
    }

    @Override
    public void addConstant(DevicePoly a, long[] c, DevicePoly out) {
        HostPoly x = host(a);
        HostPoly o = host(out);
        sameShape(x, o);
        checkConstants(x, c);
        executor.forEach(x.limbCount(), i -> kernels.addConstant(x.limb(i), c[i], o.limb(i), modulus(x, i)));
    }

    private void checkConstants(HostPoly x, long[] c) {
        if (c.length < x.limbCount()) {
            throw new IllegalArgumentException("need one constant per limb: " + x.limbCount() + ", got " + c.length);
        }
        for (int i = 0; i < x.limbCount(); i++) {
            if (c[i] < 0 || c[i] >= modulus(x, i).value()) {
                throw new IllegalArgumentException("constant " + c[i] + " is not reduced modulo " + modulus(x, i));
            }
        }
    }

    @Override
    public void tensor(DevicePoly a0, DevicePoly a1, DevicePoly b0, DevicePoly b1,
                       DevicePoly d0, DevicePoly d1, DevicePoly d2) {
        HostPoly x0 = host(a0);
        HostPoly x1 = host(a1);
        HostPoly y0 = host(b0);
        HostPoly y1 = host(b1);
        HostPoly o0 = host(d0);
        HostPoly o1 = host(d1);
        HostPoly o2 = host(d2);
        for (HostPoly p : new HostPoly[] {x1, y0, y1, o0, o1, o2}) {
            sameShape(x0, p);
        }
        boolean square = a0 == b0 && a1 == b1;
        executor.forEach(x0.limbCount(), i -> {
            Modulus q = modulus(x0, i);
            long[] t0 = pool.copyOf(x0.limb(i));
            long[] t1 = pool.copyOf(x1.limb(i));
            if (square) {
                kernels.multiply(t0, t1, o1.limb(i), q);
                kernels.add(o1.limb(i), o1.limb(i), o1.limb(i), q);
                kernels.multiply(t0, t0, o0.limb(i), q);
                kernels.multiply(t1, t1, o2.limb(i), q);
            } else {
                long[] u0 = pool.copyOf(y0.limb(i));
                long[] u1 = pool.copyOf(y1.limb(i));
                kernels.multiply(t0, u1, o1.limb(i), q);
                kernels.multiplyAdd(t1, u0, o1.limb(i), q);
                kernels.multiply(t0, u0, o0.limb(i), q);
                kernels.multiply(t1, u1, o2.limb(i), q);
                pool.give(u0);
                pool.give(u1);
            }
            pool.give(t0);
            pool.give(t1);
        });
    }

    @Override
    public void automorphism(DevicePoly a, int galoisElement, DevicePoly out) {
        HostPoly x = host(a);
        HostPoly o = host(out);
        sameShape(x, o);
        if (x == o) {
            throw new IllegalArgumentException("automorphism output must not alias its input");
        }
        int[] perm = ring.galoisPermutation(galoisElement);
        executor.forEach(x.limbCount(), i -> kernels.permute(x.limb(i), perm, o.limb(i)));
    }

    @Override
    public DevicePoly rescale(DevicePoly a) {
        HostPoly x = host(a);
        if (x.hasSpecial()) {
            throw new IllegalArgumentException("rescale expects a polynomial over Q only");
        }
        int level = x.qLimbs() - 1;
        if (level < 1) {
            throw new IllegalArgumentException("cannot rescale a polynomial with a single limb");
        }
        long[] last = pool.copyOf(x.limb(level));
        Modulus qLast = ring.q(level);
        kernels.inverseNtt(last, ring.qTable(level));
        HostPoly out = allocateUninitialised(level, false);
        executor.forEach(level, i -> {
            Modulus qi = ring.q(i);
            long[] t = scratch.get();
            kernels.reduceCentered(last, qLast, t, qi);
            kernels.forwardNtt(t, ring.qTable(i));
            kernels.subtractAndScale(x.limb(i), t, ring.lastInverse(level, i), ring.lastInverseShoup(level, i),
                    out.limb(i), qi);
        });
        pool.give(last);
        return out;
    }

    /** Keeps the given limbs, not copies (the interface's contract): a ResNet's keys are 6 GiB. */
    @Override
    public DeviceSwitchKey uploadSwitchKey(long[][][] b, long[][][] a) {
        int keyQ = checkSwitchKey(b, a.length, a.length == 0 ? 0 : a[0].length);
        for (int j = 0; j < a.length; j++) {
            for (int t = 0; t < b[0].length; t++) {
                if (a[j].length != b[0].length || a[j][t].length != ring.n()) {
                    throw new IllegalArgumentException("switching key digit " + j + " limb " + t
                            + " has the wrong size");
                }
            }
        }
        if (compactKeys) {
            return new HostSwitchKey(b, a, null, null, keyQ);
        }
        int digits = b.length;
        int limbs = b[0].length;
        long[][][] bs = new long[digits][limbs][];
        long[][][] as = new long[digits][limbs][];
        executor.forEach(digits * limbs, idx -> {
            int j = idx / limbs;
            int t = idx % limbs;
            Modulus q = ring.limbModulus(t, keyQ);
            bs[j][t] = shoupAll(b[j][t], q);
            as[j][t] = shoupAll(a[j][t], q);
        });
        return new HostSwitchKey(b, a, bs, as, keyQ);
    }

    /** Whether host engines at this ring degree keep switching keys without Shoup companions ({@link #COMPACT_KEYS}). */
    public static boolean compactKeys(int logN) {
        return Boolean.parseBoolean(System.getProperty(COMPACT_KEYS, String.valueOf(logN >= 16)));
    }

    /** Whether host engines at this ring degree keep only the seeds of keys' uniform halves ({@link #SEEDED_KEYS}). */
    public static boolean seededKeys(int logN) {
        return compactKeys(logN) && Boolean.parseBoolean(System.getProperty(SEEDED_KEYS, "false"));
    }

    /**
     * With seeded keys ({@link #SEEDED_KEYS}) the uniform half is kept as its source and each limb is made when a
     * key switch reads it: half the key memory (3 GiB of ResNet-20's 6) for the keystream derivation per use.
     */
    @Override
    public DeviceSwitchKey uploadSwitchKey(long[][][] b, KeyLimbSource a) {
        if (!seededKeys) {
            return PolyEngine.super.uploadSwitchKey(b, a);
        }
        int keyQ = checkSwitchKey(b, a.digits(), a.limbs());
        return new HostSwitchKey(b, null, a.randomAccess(), null, null, keyQ);
    }

    /**
     * Checks a key's b (digits of limbs over its data limbs and P, each of N coefficients) against the parameters
     * and against its uniform half's shape; returns the number of data limbs it covers.
     */
    private int checkSwitchKey(long[][][] b, int aDigits, int aLimbs) {
        int digits = b.length;
        int limbs = digits == 0 ? 0 : b[0].length;
        int keyQ = limbs - ring.pCount();
        if (keyQ < 1 || keyQ > ring.qCount() || aDigits != digits || aLimbs != limbs
                || digits != ring.digitCount(keyQ)) {
            throw new IllegalArgumentException("a switching key over " + keyQ + " data limbs must have "
                    + (keyQ >= 1 && keyQ <= ring.qCount() ? ring.digitCount(keyQ) : "?") + " digits of " + limbs
                    + " limbs");
        }
        for (int j = 0; j < digits; j++) {
            if (b[j].length != limbs) {
                throw new IllegalArgumentException("switching key digit " + j + " has " + b[j].length + " limbs");
            }
            for (int t = 0; t < limbs; t++) {
                if (b[j][t].length != ring.n()) {
                    throw new IllegalArgumentException("switching key digit " + j + " limb " + t
                            + " has the wrong size");
                }
            }
        }
        return keyQ;
    }

    private static long[] shoupAll(long[] w, Modulus q) {
        long[] s = new long[w.length];
        for (int k = 0; k < w.length; k++) {
            s[k] = q.shoup(w[k]);
        }
        return s;
    }

    @Override
    public DeviceDecomposition decompose(DevicePoly a) {
        HostPoly x = host(a);
        if (x.hasSpecial()) {
            throw new IllegalArgumentException("decompose expects a polynomial over Q only");
        }
        if (ring.pCount() == 0) {
            throw new IllegalStateException("key switching needs special moduli; this ring has none");
        }
        int ql = x.qLimbs();
        int width = ql + ring.pCount();
        int digits = ring.digitCount(ql);
        // Coefficient form of every limb, premultiplied by the digit's (Q_j/q_i)^-1.
        long[][] scaled = new long[ql][];
        executor.forEach(ql, i -> {
            long[] c = pool.copyOf(x.limb(i));
            kernels.inverseNtt(c, ring.qTable(i));
            int j = i / ring.alpha();
            BasisConverter conv = ring.digitConverter(j, ql);
            int local = i - ring.digitStart(j);
            kernels.multiplyConstant(c, conv.hatInverse(local), conv.hatInverseShoup(local), c, ring.q(i));
            scaled[i] = c;
        });
        int[][] quotients = new int[digits][ring.n()];
        executor.forEach(digits, j -> kernels.conversionQuotients(
                java.util.Arrays.copyOfRange(scaled, ring.digitStart(j), ring.digitEnd(j, ql)),
                ring.digitConverter(j, ql).inverseModuli(), quotients[j]));
        long[][][] out = new long[digits][width][];
        boolean[][] owned = new boolean[digits][width];
        executor.forEach(digits * width, idx -> {
            int j = idx / width;
            int t = idx % width;
            int start = ring.digitStart(j);
            int end = ring.digitEnd(j, ql);
            if (t >= start && t < end) {
                out[j][t] = x.limb(t);
                return;
            }
            BasisConverter conv = ring.digitConverter(j, ql);
            long[][] ys = java.util.Arrays.copyOfRange(scaled, start, end);
            long[] limb = pool.take();
            Modulus target = ring.limbModulus(t, ql);
            kernels.linearCombination(ys, conv.hatModTarget(t), conv.hatModTargetShoup(t), quotients[j],
                    conv.corrections(t), limb, target);
            kernels.forwardNtt(limb, ring.limbTable(t, ql));
            out[j][t] = limb;
            owned[j][t] = true;
        });
        pool.giveAll(scaled);
        return new HostDecomposition(out, owned, x, ql, pool);
    }

    @Override
    public DevicePoly[] keySwitch(DeviceDecomposition decomposition, DeviceSwitchKey key, int galoisElement) {
        if (!(decomposition instanceof HostDecomposition d) || !(key instanceof HostSwitchKey k)) {
            throw new IllegalArgumentException("decomposition or key belongs to another backend than " + name);
        }
        int ql = d.qLimbs();
        if (ql > k.qLimbs) {
            throw new IllegalArgumentException("the key covers " + k.qLimbs + " data limbs, the polynomial " + ql);
        }
        int width = ql + ring.pCount();
        long[][][] digitsIn = d.digits();
        int digits = digitsIn.length;
        long[][][] permuted = null;
        if (galoisElement != 1) {
            // Apply the automorphism to every digit once, not once per key half.
            int[] p = ring.galoisPermutation(galoisElement);
            long[][][] own = new long[digits][width][];
            long[][][] in = digitsIn;
            executor.forEach(digits * width, idx -> {
                long[] limb = pool.take();
                kernels.permute(in[idx / width][idx % width], p, limb);
                own[idx / width][idx % width] = limb;
            });
            permuted = own;
            digitsIn = own;
        }
        long[][][] source = digitsIn;
        HostPoly acc0 = allocateUninitialised(ql, true);
        HostPoly acc1 = allocateUninitialised(ql, true);
        executor.forEach(2 * width, idx -> {
            int t = idx % width;
            boolean second = idx >= width;
            int keyLimb = t < ql ? t : k.qLimbs + (t - ql);
            long[][] xs = new long[digits][];
            long[][] w = new long[digits][];
            long[][] ws = new long[digits][];
            boolean made = second && k.a == null;
            for (int j = 0; j < digits; j++) {
                xs[j] = source[j][t];
                if (made) {
                    w[j] = pool.take();
                    k.aSource.fill(j, keyLimb, w[j]);
                } else {
                    w[j] = second ? k.a[j][keyLimb] : k.b[j][keyLimb];
                }
                if (k.bShoup != null) {
                    ws[j] = second ? k.aShoup[j][keyLimb] : k.bShoup[j][keyLimb];
                }
            }
            HostPoly acc = second ? acc1 : acc0;
            if (k.bShoup != null) {
                kernels.innerProduct(xs, null, w, ws, acc.limb(t), ring.limbModulus(t, ql));
            } else {
                kernels.innerProductCompact(xs, null, w, acc.limb(t), ring.limbModulus(t, ql));
            }
            if (made) {
                pool.giveAll(w);
            }
        });
        if (permuted != null) {
            for (long[][] digit : permuted) {
                pool.giveAll(digit);
            }
        }
        DevicePoly[] out = {modDown(acc0), modDown(acc1)};
        acc0.close();
        acc1.close();
        return out;
    }

    /** Divides an NTT-form polynomial over Q_l·P by P with rounding (centred conversion), giving one over Q_l. */
    private HostPoly modDown(HostPoly x) {
        int ql = x.qLimbs();
        int k = ring.pCount();
        BasisConverter conv = ring.specialToData();
        long[][] scaled = new long[k][];
        executor.forEach(k, j -> {
            long[] c = pool.copyOf(x.limb(ql + j));
            kernels.inverseNtt(c, ring.pTable(j));
            kernels.multiplyConstant(c, conv.hatInverse(j), conv.hatInverseShoup(j), c, ring.p(j));
            scaled[j] = c;
        });
        int[] quotients = new int[ring.n()];
        kernels.conversionQuotients(scaled, conv.inverseModuli(), quotients);
        HostPoly out = allocateUninitialised(ql, false);
        executor.forEach(ql, i -> {
            Modulus qi = ring.q(i);
            long[] t = scratch.get();
            kernels.linearCombination(scaled, conv.hatModTarget(i), conv.hatModTargetShoup(i), quotients,
                    conv.corrections(i), t, qi);
            kernels.forwardNtt(t, ring.qTable(i));
            kernels.subtractAndScale(x.limb(i), t, ring.pInverse(i), ring.pInverseShoup(i), out.limb(i), qi);
        });
        pool.giveAll(scaled);
        return out;
    }

    /** The limbs this engine recycles (for tests). */
    LimbPool limbPool() {
        return pool;
    }

    @Override
    public void close() {
        // Nothing to release for host memory.
    }
}
