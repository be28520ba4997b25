package org.hecnn.kernels.engine;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.hecnn.backend.BackendProvider;
import org.hecnn.backend.Backends;
import org.hecnn.backend.DeviceDecomposition;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.backend.PolyEngine;
import org.hecnn.ring.Galois;
import org.hecnn.ring.Primes;
import org.hecnn.ring.RnsRing;

/**
 * Engine-level benchmark of the homomorphic building blocks at N = 2^14, 2^15, 2^16 with realistic chains
 * (9, 15 and 24 data primes; K = 3, 5, 8 special primes; dnum 3): batched NTT of all limbs, multiply +
 * relinearize (tensor + key switch + adds), rotate (decompose + key switch with a Galois element + automorphism
 * + add), hoisted rotations, rescale, plaintext multiply, plus the device-to-device copy rate that gives the NTT's
 * memory-bandwidth floor. Device time comes from {@link DeviceTimer} (CUDA events on CUDA); each figure is the
 * median of the timed runs after warm-up runs. Inputs are random residues and random keys: the work is exactly
 * that of a real ciphertext operation, the values are meaningless.
 *
 * <p>{@code java ... org.hecnn.kernels.engine.GpuBenchmark <backend> [logN ...] [--runs R] [--warmup W]}
 */
public final class GpuBenchmark {
    /** A benchmark ring: data primes (first 60 bits, the rest 40), special primes of 60 bits, dnum. */
    public record Shape(int logN, int dataPrimes, int specialPrimes, int dnum) {
        public RnsRing ring() {
            int[] q = new int[dataPrimes];
            Arrays.fill(q, 40);
            q[0] = 60;
            int[] p = new int[specialPrimes];
            Arrays.fill(p, 60);
            List<Long> qs = Primes.generate(logN, q, List.of());
            return new RnsRing(logN, qs, Primes.generate(logN, p, qs), dnum);
        }

        @Override
        public String toString() {
            return "N=2^" + logN + ", L+1=" + dataPrimes + ", K=" + specialPrimes + ", dnum=" + dnum;
        }
    }

    public static Shape standardShape(int logN) {
        return switch (logN) {
            case 14 -> new Shape(14, 9, 3, 3);
            case 15 -> new Shape(15, 15, 5, 3);
            case 16 -> new Shape(16, 24, 8, 3);
            default -> new Shape(logN, Math.max(2, logN - 8), Math.max(1, (logN - 8) / 3), 3);
        };
    }

    /** One result row. */
    public record Row(String shape, String op, double medianMs, double minMs, String note) {
    }

    private final PolyEngine engine;
    private final RnsRing ring;
    private final int runs;
    private final int warmup;
    private final SplittableRandom rnd = new SplittableRandom(42);
    private final List<Row> rows = new ArrayList<>();

    public GpuBenchmark(PolyEngine engine, int runs, int warmup) {
        this.engine = engine;
        this.ring = engine.ring();
        this.runs = runs;
        this.warmup = warmup;
    }

    public List<Row> rows() {
        return rows;
    }

    private DeviceTimer timer() {
        if (engine instanceof GpuEngine g) {
            return g.runtime().timer();
        }
        return new DeviceTimer() {
            private long t0;

            @Override
            public void start() {
                t0 = System.nanoTime();
            }

            @Override
            public double stopMillis() {
                return (System.nanoTime() - t0) / 1e6;
            }
        };
    }

    private long[][] random(int qLimbs, boolean special) {
        int limbs = qLimbs + (special ? ring.pCount() : 0);
        long[][] out = new long[limbs][ring.n()];
        for (int i = 0; i < limbs; i++) {
            long q = ring.limbModulus(i, qLimbs).value();
            for (int k = 0; k < ring.n(); k++) {
                out[i][k] = rnd.nextLong(q);
            }
        }
        return out;
    }

    private DevicePoly poly(int qLimbs) {
        return engine.upload(random(qLimbs, false), qLimbs, false);
    }

    private DeviceSwitchKey key() {
        int digits = ring.dnum();
        long[][][] b = new long[digits][][];
        long[][][] a = new long[digits][][];
        for (int j = 0; j < digits; j++) {
            b[j] = random(ring.qCount(), true);
            a[j] = random(ring.qCount(), true);
        }
        return engine.uploadSwitchKey(b, a);
    }

    /** Times {@code body} (which returns handles to close after the timing) and records a row. */
    private double time(String op, String note, java.util.function.Supplier<List<AutoCloseable>> body) {
        double[] t = new double[runs];
        try (DeviceTimer timer = timer()) {
            for (int r = -warmup; r < runs; r++) {
                timer.start();
                List<AutoCloseable> garbage = body.get();
                double ms = timer.stopMillis();
                for (AutoCloseable c : garbage) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
                if (r >= 0) {
                    t[r] = ms;
                }
            }
        }
        Arrays.sort(t);
        double median = runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
        rows.add(new Row(ring.logN() + "", op, median, t[0], note));
        return median;
    }

    /** Runs every measurement on this engine's ring. */
    public void runAll() {
        int ql = ring.qCount();
        int width = ql + ring.pCount();
        long polyBytes = 8L * ql * ring.n();
        DevicePoly c0 = poly(ql);
        DevicePoly c1 = poly(ql);
        DevicePoly d0 = poly(ql);
        DevicePoly d1 = poly(ql);
        DevicePoly pt = poly(ql);
        DevicePoly qp = engine.upload(random(ql, true), ql, true);

        // Device-to-device copy rate, and from it the NTT's floor (one read and one write of every limb).
        double copyMs = -1;
        if (engine instanceof GpuEngine g) {
            GpuRuntime rt = g.runtime();
            long bytes = Math.max(polyBytes, 64L << 20);
            GpuBuffer src;
            GpuBuffer dst;
            synchronized (rt) {
                src = rt.allocate(bytes);
                dst = rt.allocate(bytes);
                rt.zero(src, 0, bytes);
            }
            try {
                copyMs = time("d2d copy " + (bytes >> 20) + " MiB", "", () -> {
                    synchronized (rt) {
                        rt.copy(src, 0, dst, 0, bytes);
                    }
                    return List.of();
                });
                double gbs = 2.0 * bytes / (copyMs * 1e-3) / 1e9;
                Row last = rows.remove(rows.size() - 1);
                rows.add(new Row(last.shape(), last.op(), last.medianMs(), last.minMs(),
                        String.format(Locale.ROOT, "%.0f GB/s read+write", gbs)));
                copyMs = copyMs * polyBytes / bytes;
            } finally {
                synchronized (rt) {
                    rt.free(src);
                    rt.free(dst);
                }
            }
        }

        double ntt = time("NTT fwd, " + ql + " limbs", "", () -> {
            engine.forwardNtt(c0);
            return List.of();
        });
        if (copyMs > 0) {
            Row last = rows.remove(rows.size() - 1);
            rows.add(new Row(last.shape(), last.op(), last.medianMs(), last.minMs(), String.format(Locale.ROOT,
                    "floor %.4f ms (%.1f MiB r+w), %.2fx floor", copyMs, 2.0 * polyBytes / (1 << 20), ntt / copyMs)));
        }
        time("NTT inv, " + ql + " limbs", "", () -> {
            engine.inverseNtt(c0);
            return List.of();
        });
        time("NTT fwd, " + width + " limbs (QP)", "", () -> {
            engine.forwardNtt(qp);
            return List.of();
        });

        DeviceSwitchKey relin = key();
        int[] gs = new int[8];
        DeviceSwitchKey[] gk = new DeviceSwitchKey[gs.length];
        for (int i = 0; i < gs.length; i++) {
            gs[i] = Galois.rotationElement(i + 1, ring.logN());
            gk[i] = key();
        }

        time("ModUp (decompose)", "", () -> List.of(engine.decompose(c1)));
        try (DeviceDecomposition dec = engine.decompose(c1)) {
            time("key switch (inner product + ModDown)", "", () -> List.of(engine.keySwitch(dec, relin, 1)));
        }
        time("multiply + relinearize", "tensor, key switch, 2 adds", () -> {
            DevicePoly e0 = engine.allocate(ql, false);
            DevicePoly e1 = engine.allocate(ql, false);
            DevicePoly e2 = engine.allocate(ql, false);
            engine.tensor(c0, c1, d0, d1, e0, e1, e2);
            DevicePoly[] ks = engine.keySwitch(e2, relin);
            engine.add(e0, ks[0], e0);
            engine.add(e1, ks[1], e1);
            return List.of(e0, e1, e2, ks[0], ks[1]);
        });
        time("rotate", "decompose, key switch(g), automorphism, add", () -> {
            DecompositionAndRotation r = rotate(c0, c1, gk[0], gs[0]);
            return r.garbage();
        });
        double hoisted = time("hoisted rotations x" + gs.length, "one decompose, " + gs.length + " key switches",
                () -> {
                    List<AutoCloseable> garbage = new ArrayList<>();
                    DeviceDecomposition dec = engine.decompose(c1);
                    garbage.add(dec);
                    for (int i = 0; i < gs.length; i++) {
                        DevicePoly[] ks = engine.keySwitch(dec, gk[i], gs[i]);
                        DevicePoly r0 = engine.allocate(ql, false);
                        engine.automorphism(c0, gs[i], r0);
                        engine.add(r0, ks[0], r0);
                        garbage.add(r0);
                        garbage.add(ks[0]);
                        garbage.add(ks[1]);
                    }
                    return garbage;
                });
        Row last = rows.remove(rows.size() - 1);
        rows.add(new Row(last.shape(), last.op(), last.medianMs(), last.minMs(), last.note()
                + String.format(Locale.ROOT, "; %.3f ms per rotation", hoisted / gs.length)));
        time("rescale (ciphertext)", "2 polynomials", () -> List.of(engine.rescale(c0), engine.rescale(c1)));
        time("plaintext multiply", "2 polynomials", () -> {
            DevicePoly m0 = engine.allocate(ql, false);
            DevicePoly m1 = engine.allocate(ql, false);
            engine.multiply(c0, pt, m0);
            engine.multiply(c1, pt, m1);
            return List.of(m0, m1);
        });
        time("add (ciphertext)", "2 polynomials", () -> {
            engine.add(c0, d0, d0);
            engine.add(c1, d1, d1);
            return List.of();
        });
        for (AutoCloseable c : new AutoCloseable[] {c0, c1, d0, d1, pt, qp, relin}) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        for (DeviceSwitchKey k : gk) {
            k.close();
        }
    }

    private record DecompositionAndRotation(List<AutoCloseable> garbage) {
    }

    private DecompositionAndRotation rotate(DevicePoly c0, DevicePoly c1, DeviceSwitchKey key, int g) {
        int ql = c0.qLimbs();
        DeviceDecomposition dec = engine.decompose(c1);
        DevicePoly[] ks = engine.keySwitch(dec, key, g);
        DevicePoly r0 = engine.allocate(ql, false);
        engine.automorphism(c0, g, r0);
        engine.add(r0, ks[0], r0);
        return new DecompositionAndRotation(List.of(dec, r0, ks[0], ks[1]));
    }

    /** Prints rows as a table. */
    public static void print(List<Row> rows, PrintStream out) {
        out.printf("| %-5s | %-40s | %12s | %12s | %s%n", "logN", "operation", "median ms", "min ms", "note");
        out.printf("|-------|------------------------------------------|--------------|--------------|------%n");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "| %-5s | %-40s | %12.4f | %12.4f | %s%n", r.shape(), r.op(), r.medianMs(),
                    r.minMs(), r.note());
        }
    }

    /** Benchmarks each shape on engines from {@code open}; returns all rows. */
    public static List<Row> run(Function<RnsRing, PolyEngine> open, List<Shape> shapes, int runs, int warmup,
                                PrintStream log) {
        List<Row> all = new ArrayList<>();
        for (Shape s : shapes) {
            log.println("# " + s);
            try (PolyEngine e = open.apply(s.ring())) {
                GpuBenchmark b = new GpuBenchmark(e, runs, warmup);
                b.runAll();
                all.addAll(b.rows());
                print(b.rows(), log);
            }
        }
        return all;
    }

    public static void main(String[] args) {
        String backend = args.length > 0 ? args[0] : "auto";
        List<Shape> shapes = new ArrayList<>();
        int runs = 21;
        int warmup = 5;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> shapes.add(standardShape(Integer.parseInt(args[i])));
            }
        }
        if (shapes.isEmpty()) {
            shapes = List.of(standardShape(14), standardShape(15), standardShape(16));
        }
        BackendProvider provider;
        try {
            provider = Backends.select(backend);
        } catch (RuntimeException e) {
            System.out.println("SKIPPED: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.out.println("benchmark of backend '" + provider.name() + "': " + provider.availability().reason());
        System.out.println("median of " + runs + " runs after " + warmup + " warm-up runs; device time");
        List<Row> rows = run(provider::open, shapes, runs, warmup, System.out);
        System.out.println();
        System.out.println("## all shapes");
        print(rows, System.out);
    }
}
