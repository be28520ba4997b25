package org.hecnn.inference.packed;

import org.hecnn.inference.HeOps;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.IntegerPlaintext;
import org.hecnn.ckks.Plaintext;

/**
 * The plaintexts of one layer, encoded once per model (not per image). In {@link Mode#NTT} every plaintext is
 * kept ready in NTT form at the layer's level (fast, L limbs each); in {@link Mode#COEFFICIENTS} only the integer
 * coefficients are kept (32 bits each when they fit) and each use re-enters the NTT domain (L transforms); in
 * {@link Mode#ON_DEMAND} nothing is kept but how to compute the slot vector, and each use encodes it afresh (an
 * FFT more per use, for networks whose plaintexts would not fit memory even as coefficients) — the compiler picks by
 * the memory budget.
 *
 * <p>Thread safety: after the plaintexts are added (compilation), a bank is read-only and may be used from any
 * number of threads at once. A reuse scope ({@link #reuse}) belongs to the thread that opened it: its converted
 * plaintexts are seen and closed by that thread only, so lockstep evaluation in one session runs beside single
 * evaluations in others.
 */
public final class PlaintextBank implements AutoCloseable {
    /** Where the encoded plaintexts live between uses; PLAN_ONLY counts them without encoding (for plans). */
    public enum Mode { NTT, COEFFICIENTS, ON_DEMAND, PLAN_ONLY }

    private final CkksEncoder encoder;
    private final int level;
    private final double scale;
    private final Mode mode;
    /**
     * Integer coefficients, as int[] when they fit 32 bits (the usual case) and as long[] otherwise; read back from a
     * mapped file of compiled plaintexts, 32-bit ones are segments of that file ({@link #small}).
     */
    private final List<Object> coefficients = new ArrayList<>();
    private final List<Plaintext> ready = new ArrayList<>();
    private final List<java.util.function.Supplier<double[]>> recipes = new ArrayList<>();
    /** NTT and COEFFICIENTS: plaintexts added but not yet encoded ({@link #encodePending()}). */
    private final List<java.util.function.Supplier<double[]>> pending = new ArrayList<>();
    private volatile boolean encoded = true;
    private int planned;
    /** Per thread, while its reuse scope is open (several images through one layer): converted plaintexts by index. */
    private final ThreadLocal<java.util.Map<Integer, Plaintext>> reuseScope = new ThreadLocal<>();

    /** Where a bank made by {@link PlaintextBanks} with compiled plaintexts gets them; null: it encodes its own. */
    private final PlaintextBanks.Stored stored;

    public PlaintextBank(CkksEncoder encoder, int level, double scale, Mode mode) {
        this(encoder, level, scale, mode, null);
    }

    PlaintextBank(CkksEncoder encoder, int level, double scale, Mode mode, PlaintextBanks.Stored stored) {
        this.encoder = encoder;
        this.level = level;
        this.scale = scale;
        this.mode = mode;
        this.stored = stored;
    }

    /** Adds the plaintext of a slot vector and returns its index. */
    public int add(double[] slots) {
        return add(() -> slots);
    }

    /**
     * Adds the plaintext whose slot vector {@code slots} computes and returns its index. NTT and COEFFICIENTS keep
     * the supplier until {@link #encodePending()}, ON_DEMAND for good (it must stay cheap to hold: capture indices
     * and shared weights, not vectors); PLAN_ONLY never calls it. Suppliers may run on any thread, in any order.
     */
    public int add(java.util.function.Supplier<double[]> slots) {
        if (mode == Mode.PLAN_ONLY) {
            return planned++;
        }
        if (mode == Mode.ON_DEMAND) {
            recipes.add(slots);
            return recipes.size() - 1;
        }
        pending.add(slots);
        encoded = false;
        return size() - 1;
    }

    /**
     * Encodes every plaintext added since the last call, on all cores (the layers call it once they have added
     * theirs; a bank used before that encodes on first use), two at a time with one FFT
     * ({@link CkksEncoder#coefficientsOfTwoReal}): the same plaintexts as encoded one by one, but for a coefficient
     * that lies within the transform's last bits of a rounding tie.
     */
    public synchronized void encodePending() {
        if (pending.isEmpty()) {
            return;
        }
        Object[] done = stored != null ? loadPending() : encodePendingPairs();
        for (Object o : done) {
            if (mode == Mode.NTT) {
                ready.add((Plaintext) o);
            } else {
                coefficients.add(o);
            }
        }
        pending.clear();
        encoded = true;
    }

    private Object[] encodePendingPairs() {
        Object[] done = new Object[pending.size()];
        java.util.stream.IntStream.range(0, (done.length + 1) / 2).parallel().forEach(pair -> {
            Object[] two = encodePair(2 * pair);
            for (int i = 0; i < two.length; i++) {
                done[2 * pair + i] = keep(two[i]);
            }
        });
        return done;
    }

    /**
     * The pending plaintexts from compiled plaintexts instead of encoding them: the stored bank must have this bank's
     * level, scale and count, and one pair of its plaintexts (the middle one) is encoded afresh and must equal the
     * stored pair bit for bit, which catches plaintexts made by an encoder or compiler that differs from this one.
     */
    private Object[] loadPending() {
        List<Object> have = stored.next(level, scale, pending.size());
        int k = (pending.size() / 2) & ~1;
        Object[] check = encodePair(k);
        for (int i = 0; i < check.length; i++) {
            if (!sameCoefficients(check[i], have.get(k + i))) {
                throw stored.differs("plaintext " + (k + i) + " of a bank at level " + level + " is not what this "
                        + "version of hecnn encodes from the model");
            }
        }
        Object[] done = new Object[have.size()];
        java.util.stream.IntStream.range(0, done.length).parallel().forEach(i -> done[i] = keep(have.get(i)));
        return done;
    }

    /** Plaintext k and, when there is one, k + 1, encoded as {@link #encodePendingPairs} does, as coefficients. */
    private Object[] encodePair(int k) {
        if (k + 1 < pending.size()) {
            double[][] two = encoder.coefficientsOfTwoReal(pending.get(k).get(), pending.get(k + 1).get(), scale);
            return new Object[] {compact(two[0]), compact(two[1])};
        }
        return new Object[] {compact(encoder.coefficients(pending.get(k).get(), new double[0], scale))};
    }

    private static boolean sameCoefficients(Object a, Object b) {
        MemorySegment x = small(a);
        MemorySegment y = small(b);
        if (x != null || y != null) {
            return x != null && y != null && x.mismatch(y) == -1;
        }
        return java.util.Arrays.equals((long[]) a, (long[]) b);
    }

    /**
     * Gives the pages of a plaintext read from a mapped file back after a use ({@link MemorySegment#unload}): the
     * operating system keeps them cached while it has room and maps them again at the next use (a minor fault per
     * 64 KiB), so the process holds at any time only the plaintexts in use, not the whole file. Other threads
     * reading the same plaintext meanwhile just map its pages again. Arrays on the heap are left alone.
     */
    private static void release(MemorySegment coefficients) {
        if (coefficients.isMapped()) {
            coefficients.unload();
        }
    }

    /** Stored 32-bit coefficients as a segment (an int[]'s, or a mapped file's as it is); null for a long[]. */
    private static MemorySegment small(Object stored) {
        return stored instanceof int[] array ? MemorySegment.ofArray(array)
                : stored instanceof MemorySegment segment ? segment : null;
    }

    /**
     * Every plaintext's integer coefficients (int[] or long[], or segments of a mapped file), for storing them ({@link CompiledPlaintexts}): only
     * a bank that keeps them ({@link Mode#COEFFICIENTS}) has them.
     */
    List<Object> storedCoefficients() {
        if (mode != Mode.COEFFICIENTS) {
            throw new IllegalStateException("bug: only plaintexts kept as coefficients can be stored, not " + mode);
        }
        ensureEncoded();
        return java.util.Collections.unmodifiableList(coefficients);
    }

    /** Compact integer coefficients to what this bank keeps: a plaintext in NTT form, or the coefficients themselves. */
    private Object keep(Object integers) {
        if (mode != Mode.NTT) {
            return integers;
        }
        MemorySegment small = small(integers);
        return small != null ? encoder.encodeIntegers(small, level, scale)
                : encoder.encodeCoefficients(expand(integers), level, scale);
    }

    private void ensureEncoded() {
        if (!encoded) {
            encodePending();
        }
    }

    private static Object compact(double[] c) {
        boolean fits = true;
        for (double v : c) {
            fits &= Math.abs(v) < Integer.MAX_VALUE;
        }
        if (fits) {
            int[] a = new int[c.length];
            for (int i = 0; i < c.length; i++) {
                a[i] = (int) c[i];
            }
            return a;
        }
        long[] a = new long[c.length];
        for (int i = 0; i < c.length; i++) {
            a[i] = (long) c[i];
        }
        return a;
    }

    /** The coefficients of a plaintext that did not fit 32-bit integers. */
    private static double[] expand(Object stored) {
        long[] a = (long[]) stored;
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    public int size() {
        return switch (mode) {
            case NTT -> ready.size() + pending.size();
            case COEFFICIENTS -> coefficients.size() + pending.size();
            case ON_DEMAND -> recipes.size();
            case PLAN_ONLY -> planned;
        };
    }

    /** Bytes held between uses for a ring of degree n. */
    public long bytes(int n) {
        ensureEncoded();
        return switch (mode) {
            case NTT -> (long) ready.size() * (level + 1) * n * 8;
            case COEFFICIENTS -> coefficients.stream().mapToLong(c -> c instanceof long[] ? 8L * n : 4L * n).sum();
            case ON_DEMAND, PLAN_ONLY -> 0;
        };
    }

    /** Bytes the plaintexts would hold as 32-bit coefficients (the usual case of {@link Mode#COEFFICIENTS}). */
    public long coefficientBytes(int n) {
        return (long) size() * n * 4;
    }

    /**
     * Bytes the banks hold between uses, would hold in NTT form, and would hold as 32-bit coefficients, summed
     * (null banks count nothing), for ring degree n.
     */
    static long[] footprint(int n, PlaintextBank... banks) {
        long[] sum = new long[3];
        for (PlaintextBank b : banks) {
            if (b != null) {
                sum[0] += b.bytes(n);
                sum[1] += b.nttBytes(n);
                sum[2] += b.coefficientBytes(n);
            }
        }
        return sum;
    }

    /** Bytes the plaintexts would hold in NTT form at this level. */
    public long nttBytes(int n) {
        return (long) size() * (level + 1) * n * 8;
    }

    public double scale() {
        return scale;
    }

    public int level() {
        return level;
    }

    /**
     * Opens (true) or closes (false) the calling thread's reuse scope: in COEFFICIENTS and ON_DEMAND modes,
     * plaintexts this thread converts to NTT form inside it are kept until it closes, so several images evaluated
     * through the layer convert each plaintext once.
     */
    public void reuse(boolean on) {
        java.util.Map<Integer, Plaintext> reused = reuseScope.get();
        if (on && (mode == Mode.COEFFICIENTS || mode == Mode.ON_DEMAND) && reused == null) {
            reuseScope.set(new java.util.HashMap<>());
        } else if (!on && reused != null) {
            reused.values().forEach(Plaintext::close);
            reuseScope.remove();
        }
    }

    /** Runs {@code use} with plaintext i, encoding it on the fly in COEFFICIENTS and ON_DEMAND modes. */
    public void with(int i, java.util.function.Consumer<Plaintext> use) {
        if (mode == Mode.PLAN_ONLY) {
            throw new IllegalStateException("this network was compiled for planning only and cannot evaluate");
        }
        ensureEncoded();
        java.util.Map<Integer, Plaintext> reused = reuseScope.get();
        if (mode == Mode.NTT) {
            use.accept(ready.get(i));
        } else if (reused != null) {
            use.accept(reused.computeIfAbsent(i, this::encodeStored));
        } else {
            try (Plaintext p = encodeStored(i)) {
                use.accept(p);
            }
        }
    }

    /**
     * For every image m, Σ_j operands(j)[m]·(plaintext indices[j]) as a new ciphertext ({@code indices} not empty;
     * operands(j) holds one ciphertext per image, the same count each time). Each plaintext is prepared once for all
     * images. Outside a reuse scope, plaintexts kept as coefficients or encoded on demand go to the engine as 32-bit
     * integers when they fit, transformed limb by limb as they are multiplied with nothing allocated (kept ones all
     * in one engine call for the whole sum; on demand, one call per plaintext while the next one's slot vector and
     * FFT are computed on a helper thread); NTT-form and reused plaintexts are used as they are.
     */
    public Ciphertext[] multiplySum(HeOps ops, int[] indices, java.util.function.IntFunction<Ciphertext[]> operands) {
        ensureEncoded();
        Ciphertext[][] sum = new Ciphertext[1][];
        if (mode == Mode.NTT || mode == Mode.PLAN_ONLY || reuseScope.get() != null) {
            for (int j = 0; j < indices.length; j++) {
                int position = j;
                with(indices[j], p -> accumulate(ops, sum, operands.apply(position), p, position));
            }
            return sum[0];
        }
        if (mode == Mode.COEFFICIENTS && indices.length > 1 && allSmall(indices)) {
            IntegerPlaintext[] plaintexts = new IntegerPlaintext[indices.length];
            Ciphertext[][] terms = new Ciphertext[indices.length][];
            for (int j = 0; j < indices.length; j++) {
                plaintexts[j] = new IntegerPlaintext(small(coefficients.get(indices[j])), level, scale);
                terms[j] = operands.apply(j);
            }
            Ciphertext[] result = ops.multiplyPlainSum(terms, plaintexts);
            for (IntegerPlaintext p : plaintexts) {
                release(p.coefficients());
            }
            return result;
        }
        boolean prefetch = mode == Mode.ON_DEMAND && indices.length > 1;
        java.util.concurrent.Future<Object> next = prefetch ? PREFETCH.submit(() -> integersOf(indices[0])) : null;
        for (int j = 0; j < indices.length; j++) {
            Object stored;
            if (prefetch) {
                stored = await(next);
                if (j + 1 < indices.length) {
                    int following = indices[j + 1];
                    next = PREFETCH.submit(() -> integersOf(following));
                }
            } else {
                stored = integersOf(indices[j]);
            }
            Ciphertext[] ys = operands.apply(j);
            MemorySegment small = small(stored);
            if (small != null) {
                IntegerPlaintext p = new IntegerPlaintext(small, level, scale);
                if (j == 0) {
                    sum[0] = ops.multiplyPlain(ys, p);
                } else {
                    ops.multiplyPlainAccumulate(sum[0], ys, p);
                }
                release(small);
            } else {
                try (Plaintext p = encoder.encodeCoefficients(expand(stored), level, scale)) {
                    accumulate(ops, sum, ys, p, j);
                }
            }
        }
        return sum[0];
    }

    /** True when every plaintext of {@code indices} is stored as 32-bit integers. */
    private boolean allSmall(int[] indices) {
        for (int i : indices) {
            if (small(coefficients.get(i)) == null) {
                return false;
            }
        }
        return true;
    }

    private static void accumulate(HeOps ops, Ciphertext[][] sum, Ciphertext[] ys, Plaintext p, int position) {
        if (position == 0) {
            sum[0] = new Ciphertext[ys.length];
        }
        for (int m = 0; m < ys.length; m++) {
            if (position == 0) {
                sum[0][m] = ops.multiplyPlain(ys[m], p);
            } else {
                ops.multiplyPlainAccumulate(sum[0][m], ys[m], p);
            }
        }
    }

    /** One daemon thread computes ON_DEMAND coefficients ahead of their use. */
    private static final java.util.concurrent.ExecutorService PREFETCH =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "hecnn-plaintext-prefetch");
                t.setDaemon(true);
                return t;
            });

    private static <T> T await(java.util.concurrent.Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while encoding a plaintext", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error; // out of memory on the helper thread is the caller's out of memory
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Plaintext i's integer coefficients (COEFFICIENTS and ON_DEMAND): int[] (or a mapped file's segment) when they
     * fit 32 bits, else long[].
     */
    private Object integersOf(int i) {
        return mode == Mode.ON_DEMAND
                ? compact(encoder.coefficients(recipes.get(i).get(), new double[0], scale))
                : coefficients.get(i);
    }

    private Plaintext encodeStored(int i) {
        Object stored = integersOf(i);
        MemorySegment small = small(stored);
        if (small != null) {
            Plaintext p = encoder.encodeIntegers(small, level, scale);
            release(small);
            return p;
        }
        return encoder.encodeCoefficients(expand(stored), level, scale);
    }

    @Override
    public void close() {
        reuse(false);
        pending.clear();
        recipes.clear();
        ready.forEach(Plaintext::close);
        ready.clear();
        coefficients.clear();
    }
}
