package org.hecnn.kernels.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.hecnn.backend.BackendProvider;
import org.hecnn.backend.Backends;
import org.hecnn.backend.DeviceDecomposition;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.backend.PolyEngine;
import org.hecnn.backend.SparseIntegerMatrix;
import org.hecnn.backend.host.HostEngine;
import org.hecnn.backend.host.LimbExecutor;
import org.hecnn.backend.host.ScalarLimbKernels;
import org.hecnn.ring.Galois;
import org.hecnn.ring.Primes;
import org.hecnn.ring.RnsRing;

/**
 * Bit-exact conformance of a {@link PolyEngine} against the scalar reference ({@code HostEngine} with
 * {@code ScalarLimbKernels}): every engine operation on random canonical inputs (with 0 and q − 1 mixed in), at
 * the top level and at lower levels, with aliasing where the interface allows it. Used by the GPU backends'
 * unit tests and, through {@link #main}, by {@code scripts/gpu-check} on machines without Maven.
 */
public final class EngineConformance {
    /** A ring shape: N = 2^logN, data and special prime sizes, dnum, and the NTT tile (0 = the runtime's). */
    public record Config(int logN, int[] qBits, int[] pBits, int dnum, int tileLog) {
        public RnsRing ring() {
            List<Long> q = Primes.generate(logN, qBits, List.of());
            List<Long> p = Primes.generate(logN, pBits, q);
            return new RnsRing(logN, q, p, dnum);
        }

        @Override
        public String toString() {
            return "N=2^" + logN + " q" + Arrays.toString(qBits) + " p" + Arrays.toString(pBits) + " dnum=" + dnum
                    + (tileLog > 0 ? " tile=2^" + tileLog : "");
        }
    }

    /** The shapes the unit tests and gpu-check cover: logN 10..12, moduli of 30..61 bits, dnum 1..3, K 1..2. */
    public static List<Config> standardConfigs() {
        return List.of(
                new Config(10, new int[] {50, 30, 45}, new int[] {55}, 1, 0),
                new Config(11, new int[] {61, 40, 40, 31, 40}, new int[] {61, 61}, 2, 0),
                new Config(12, new int[] {55, 36, 36, 36, 30, 36}, new int[] {60, 60}, 3, 0),
                new Config(12, new int[] {58, 42, 42, 42}, new int[] {59}, 2, 7),
                new Config(10, new int[] {45, 35, 35}, new int[] {50, 50}, 3, 4));
    }

    /** Larger rings (N = 2^14 with the benchmark's 2^14 chain, 2^16, 2^17): ~30 s of reference work. */
    public static List<Config> largeConfigs() {
        return List.of(
                new Config(14, new int[] {60, 40, 40, 40, 40, 40, 40, 40, 40}, new int[] {60, 60, 60}, 3, 0),
                new Config(16, new int[] {61, 50, 50, 45}, new int[] {61, 61}, 2, 0),
                new Config(17, new int[] {59, 45}, new int[] {60}, 1, 0));
    }

    private final PolyEngine engine;
    private final PolyEngine ref;
    private final RnsRing ring;
    private final SplittableRandom rnd;
    private final List<String> checked = new ArrayList<>();

    public EngineConformance(PolyEngine engine, long seed) {
        this.engine = engine;
        this.ring = engine.ring();
        this.ref = new HostEngine(ring, new ScalarLimbKernels(), LimbExecutor.SEQUENTIAL, "reference");
        this.rnd = new SplittableRandom(seed);
    }

    /** The checks that ran (one line each). */
    public List<String> checked() {
        return checked;
    }

    /** Runs every check; throws AssertionError at the first difference. */
    public void runAll() {
        transfers();
        ntt();
        elementwise();
        sparseLinearMap();
        tensor();
        automorphism();
        rescale();
        keySwitch();
    }

    // ------------------------------------------------------------------------------------------------

    private long[][] random(int qLimbs, boolean special) {
        int limbs = qLimbs + (special ? ring.pCount() : 0);
        long[][] out = new long[limbs][ring.n()];
        for (int i = 0; i < limbs; i++) {
            long q = ring.limbModulus(i, qLimbs).value();
            for (int k = 0; k < ring.n(); k++) {
                int r = rnd.nextInt(64);
                out[i][k] = r == 0 ? 0 : r == 1 ? q - 1 : rnd.nextLong(q);
            }
        }
        return out;
    }

    private long[] constants(int qLimbs, boolean special) {
        int limbs = qLimbs + (special ? ring.pCount() : 0);
        long[] c = new long[limbs];
        for (int i = 0; i < limbs; i++) {
            long q = ring.limbModulus(i, qLimbs).value();
            int r = rnd.nextInt(8);
            c[i] = r == 0 ? 0 : r == 1 ? q - 1 : rnd.nextLong(q);
        }
        return c;
    }

    /** A pair of handles, one per engine, holding the same values. */
    private record Pair(DevicePoly gpu, DevicePoly ref) {
    }

    private Pair pair(long[][] values, int qLimbs, boolean special) {
        return new Pair(engine.upload(values, qLimbs, special), ref.upload(values, qLimbs, special));
    }

    private Pair pair(int qLimbs, boolean special) {
        return pair(random(qLimbs, special), qLimbs, special);
    }

    private void same(String what, Pair p) {
        same(what, engine.download(p.gpu()), ref.download(p.ref()));
    }

    private void same(String what, long[][] got, long[][] want) {
        if (got.length != want.length) {
            throw new AssertionError(what + ": " + got.length + " limbs, reference has " + want.length);
        }
        for (int i = 0; i < want.length; i++) {
            if (!Arrays.equals(got[i], want[i])) {
                int k = Arrays.mismatch(got[i], want[i]);
                throw new AssertionError(what + " on " + engine.backendName() + " differs from the reference at limb "
                        + i + ", coefficient " + k + ": " + got[i][k] + " vs " + want[i][k] + " (ring N=2^"
                        + ring.logN() + ", " + ring.qCount() + " q, " + ring.pCount() + " p, dnum " + ring.dnum()
                        + ")");
            }
        }
        checked.add(what);
    }

    private List<int[]> shapes() {
        List<int[]> s = new ArrayList<>();
        s.add(new int[] {ring.qCount(), 0});
        if (ring.pCount() > 0) {
            s.add(new int[] {ring.qCount(), 1});
        }
        if (ring.qCount() > 1) {
            s.add(new int[] {ring.qCount() - 1, 0});
            s.add(new int[] {1, ring.pCount() > 0 ? 1 : 0});
        }
        return s;
    }

    private static String shape(int[] s) {
        return s[0] + (s[1] == 1 ? "+P" : "") + " limbs";
    }

    // ------------------------------------------------------------------------------------------------

    private void transfers() {
        for (int[] s : shapes()) {
            long[][] v = random(s[0], s[1] == 1);
            DevicePoly g = engine.upload(v, s[0], s[1] == 1);
            same("upload/download " + shape(s), engine.download(g), v);
            same("copy " + shape(s), engine.download(engine.copy(g)), v);
            if (s[1] == 0) {
                int[] integers = new int[ring.n()];
                for (int k = 0; k < integers.length; k++) {
                    int r = rnd.nextInt(16);
                    integers[k] = r == 0 ? Integer.MIN_VALUE : r == 1 ? Integer.MAX_VALUE : r == 2 ? -1 : rnd.nextInt();
                }
                java.lang.foreign.MemorySegment segment = java.lang.foreign.MemorySegment.ofArray(integers);
                same("uploadIntegers " + shape(s), engine.download(engine.uploadIntegers(segment, s[0])),
                        ref.download(ref.uploadIntegers(segment, s[0])));
                Pair x = pair(s[0], false);
                Pair y = pair(s[0], false);
                for (boolean accumulate : new boolean[] {false, true}) {
                    engine.multiplyByIntegers(segment, new DevicePoly[] {x.gpu()}, new DevicePoly[] {y.gpu()},
                            accumulate);
                    ref.multiplyByIntegers(segment, new DevicePoly[] {x.ref()}, new DevicePoly[] {y.ref()},
                            accumulate);
                    same("multiplyByIntegers" + (accumulate ? " accumulating " : " ") + shape(s), y);
                }
            }
            Pair z = new Pair(engine.allocate(s[0], s[1] == 1), ref.allocate(s[0], s[1] == 1));
            same("allocate (zero) " + shape(s), z);
            if (s[0] > 1) {
                Pair p = pair(v, s[0], s[1] == 1);
                same("truncate " + shape(s) + " to " + (s[0] - 1),
                        engine.download(engine.truncate(p.gpu(), s[0] - 1)),
                        ref.download(ref.truncate(p.ref(), s[0] - 1)));
            }
        }
    }

    private void ntt() {
        for (int[] s : shapes()) {
            Pair p = pair(s[0], s[1] == 1);
            engine.forwardNtt(p.gpu());
            ref.forwardNtt(p.ref());
            same("forwardNtt " + shape(s), p);
            Pair r = pair(s[0], s[1] == 1);
            engine.inverseNtt(r.gpu());
            ref.inverseNtt(r.ref());
            same("inverseNtt " + shape(s), r);
            engine.forwardNtt(r.gpu());
            ref.forwardNtt(r.ref());
            same("inverseNtt then forwardNtt " + shape(s), r);
        }
    }

    private interface Binary {
        void apply(PolyEngine e, DevicePoly a, DevicePoly b, DevicePoly out);
    }

    private void binary(String name, Binary op) {
        for (int[] s : shapes()) {
            boolean sp = s[1] == 1;
            Pair a = pair(s[0], sp);
            Pair b = pair(s[0], sp);
            Pair o = pair(s[0], sp);
            op.apply(engine, a.gpu(), b.gpu(), o.gpu());
            op.apply(ref, a.ref(), b.ref(), o.ref());
            same(name + " " + shape(s), o);
            // Aliased output (out = a), and both operands the same handle.
            op.apply(engine, a.gpu(), b.gpu(), a.gpu());
            op.apply(ref, a.ref(), b.ref(), a.ref());
            same(name + " aliased " + shape(s), a);
            op.apply(engine, b.gpu(), b.gpu(), o.gpu());
            op.apply(ref, b.ref(), b.ref(), o.ref());
            same(name + " same operand " + shape(s), o);
        }
    }

    private interface WithConstant {
        void apply(PolyEngine e, DevicePoly a, long[] c, DevicePoly out);
    }

    private void withConstant(String name, WithConstant op) {
        for (int[] s : shapes()) {
            boolean sp = s[1] == 1;
            Pair a = pair(s[0], sp);
            Pair o = pair(s[0], sp);
            long[] c = constants(s[0], sp);
            op.apply(engine, a.gpu(), c, o.gpu());
            op.apply(ref, a.ref(), c, o.ref());
            same(name + " " + shape(s), o);
            op.apply(engine, a.gpu(), c, a.gpu());
            op.apply(ref, a.ref(), c, a.ref());
            same(name + " aliased " + shape(s), a);
        }
    }

    private void elementwise() {
        binary("add", PolyEngine::add);
        binary("subtract", PolyEngine::subtract);
        binary("multiply", PolyEngine::multiply);
        binary("multiplyAdd", PolyEngine::multiplyAdd);
        binary("negate", (e, a, b, o) -> e.negate(a, o));
        withConstant("multiplyConstant", PolyEngine::multiplyConstant);
        withConstant("multiplyConstantAdd", PolyEngine::multiplyConstantAdd);
        withConstant("addConstant", PolyEngine::addConstant);
    }

    /**
     * A random integer matrix (multipliers 1, 2^k and up to 2^45, subtracted terms, an empty row) over data-limb
     * polynomials: engines that do not fuse the map compose it, the reference fuses it; both must agree.
     */
    private void sparseLinearMap() {
        int columns = 6;
        int rows = 9;
        SparseIntegerMatrix m = SparseIntegerMatrix.random(rnd, columns, rows);
        for (int[] s : shapes()) {
            if (s[1] == 1) {
                continue;
            }
            DevicePoly[] inGpu = new DevicePoly[columns];
            DevicePoly[] inRef = new DevicePoly[columns];
            for (int c = 0; c < columns; c++) {
                Pair p = pair(s[0], false);
                inGpu[c] = p.gpu();
                inRef[c] = p.ref();
            }
            DevicePoly[] outGpu = new DevicePoly[rows];
            DevicePoly[] outRef = new DevicePoly[rows];
            for (int j = 0; j < rows; j++) {
                outGpu[j] = engine.allocate(s[0], false);
                outRef[j] = ref.allocate(s[0], false);
            }
            engine.sparseLinearMap(inGpu, m, outGpu);
            ref.sparseLinearMap(inRef, m, outRef);
            for (int j = 0; j < rows; j++) {
                same("sparseLinearMap row " + j + " " + shape(s), new Pair(outGpu[j], outRef[j]));
            }
        }
    }

    private void tensor() {
        for (int[] s : shapes()) {
            boolean sp = s[1] == 1;
            Pair a0 = pair(s[0], sp);
            Pair a1 = pair(s[0], sp);
            Pair b0 = pair(s[0], sp);
            Pair b1 = pair(s[0], sp);
            Pair[] d = {pair(s[0], sp), pair(s[0], sp), pair(s[0], sp)};
            engine.tensor(a0.gpu(), a1.gpu(), b0.gpu(), b1.gpu(), d[0].gpu(), d[1].gpu(), d[2].gpu());
            ref.tensor(a0.ref(), a1.ref(), b0.ref(), b1.ref(), d[0].ref(), d[1].ref(), d[2].ref());
            for (int i = 0; i < 3; i++) {
                same("tensor d" + i + " " + shape(s), d[i]);
            }
            engine.tensor(a0.gpu(), a1.gpu(), a0.gpu(), a1.gpu(), d[0].gpu(), d[1].gpu(), d[2].gpu());
            ref.tensor(a0.ref(), a1.ref(), a0.ref(), a1.ref(), d[0].ref(), d[1].ref(), d[2].ref());
            for (int i = 0; i < 3; i++) {
                same("tensor square d" + i + " " + shape(s), d[i]);
            }
            // Outputs aliasing inputs: d0 = a0, d1 = b1.
            engine.tensor(a0.gpu(), a1.gpu(), b0.gpu(), b1.gpu(), a0.gpu(), b1.gpu(), d[2].gpu());
            ref.tensor(a0.ref(), a1.ref(), b0.ref(), b1.ref(), a0.ref(), b1.ref(), d[2].ref());
            same("tensor aliased d0 " + shape(s), a0);
            same("tensor aliased d1 " + shape(s), b1);
            same("tensor aliased d2 " + shape(s), d[2]);
        }
    }

    private int[] galoisElements() {
        int logN = ring.logN();
        return new int[] {Galois.rotationElement(1, logN), Galois.rotationElement(-3, logN),
                Galois.rotationElement(7, logN), Galois.conjugationElement(logN)};
    }

    private void automorphism() {
        for (int[] s : shapes()) {
            for (int g : galoisElements()) {
                Pair a = pair(s[0], s[1] == 1);
                Pair o = pair(s[0], s[1] == 1);
                engine.automorphism(a.gpu(), g, o.gpu());
                ref.automorphism(a.ref(), g, o.ref());
                same("automorphism g=" + g + " " + shape(s), o);
            }
        }
    }

    private void rescale() {
        for (int ql = ring.qCount(); ql >= 2; ql--) {
            Pair a = pair(ql, false);
            same("rescale from " + ql + " limbs",
                    engine.download(engine.rescale(a.gpu())), ref.download(ref.rescale(a.ref())));
            // The rounding edge: the dropped limb in coefficient form holds 0, 1, (q-1)/2, (q+1)/2, q-1, ...
            long[][] v = random(ql, false);
            long q = ring.q(ql - 1).value();
            long h = q >>> 1;
            long[] edges = {0, 1, h - 1, h, h + 1, h + 2, q - 2, q - 1};
            for (int k = 0; k < ring.n(); k++) {
                if (k % 3 != 2) {
                    v[ql - 1][k] = edges[(k / 3) % edges.length];
                }
            }
            org.hecnn.ring.Ntt.forward(v[ql - 1], ring.qTable(ql - 1));
            Pair e = pair(v, ql, false);
            same("rescale rounding edges from " + ql + " limbs",
                    engine.download(engine.rescale(e.gpu())), ref.download(ref.rescale(e.ref())));
        }
    }

    private void keySwitch() {
        if (ring.pCount() == 0) {
            return;
        }
        int limbs = ring.qCount() + ring.pCount();
        int digits = ring.dnum();
        long[][][] b = new long[digits][][];
        long[][][] a = new long[digits][][];
        for (int j = 0; j < digits; j++) {
            b[j] = random(ring.qCount(), true);
            a[j] = random(ring.qCount(), true);
            if (b[j].length != limbs) {
                throw new IllegalStateException("unexpected key shape");
            }
        }
        DeviceSwitchKey kg = engine.uploadSwitchKey(b, a);
        DeviceSwitchKey kr = ref.uploadSwitchKey(b, a);
        int[] gs = galoisElements();
        for (int ql = ring.qCount(); ql >= 1; ql--) {
            Pair x = pair(ql, false);
            DevicePoly[] og = engine.keySwitch(x.gpu(), kg);
            DevicePoly[] or = ref.keySwitch(x.ref(), kr);
            same("keySwitch out0 at " + ql + " limbs", engine.download(og[0]), ref.download(or[0]));
            same("keySwitch out1 at " + ql + " limbs", engine.download(og[1]), ref.download(or[1]));
            // Hoisted: one decomposition, several Galois elements.
            try (DeviceDecomposition dg = engine.decompose(x.gpu());
                 DeviceDecomposition dr = ref.decompose(x.ref())) {
                for (int g : (ql == ring.qCount() || ql == 1) ? gs : new int[] {gs[0]}) {
                    DevicePoly[] hg = engine.keySwitch(dg, kg, g);
                    DevicePoly[] hr = ref.keySwitch(dr, kr, g);
                    same("hoisted keySwitch g=" + g + " out0 at " + ql + " limbs",
                            engine.download(hg[0]), ref.download(hr[0]));
                    same("hoisted keySwitch g=" + g + " out1 at " + ql + " limbs",
                            engine.download(hg[1]), ref.download(hr[1]));
                    for (DevicePoly p : hg) {
                        p.close();
                    }
                }
            }
            for (DevicePoly p : og) {
                p.close();
            }
        }
        kg.close();
    }

    // ------------------------------------------------------------------------------------------------

    /** Runs the standard configurations on an engine factory; returns the number of checks that passed. */
    public static int runStandard(Function<Config, PolyEngine> open, long seed, java.io.PrintStream log) {
        return run(standardConfigs(), open, seed, log);
    }

    /** Runs the given configurations on an engine factory; returns the number of checks that passed. */
    public static int run(List<Config> configs, Function<Config, PolyEngine> open, long seed,
                          java.io.PrintStream log) {
        int total = 0;
        for (Config c : configs) {
            long t0 = System.nanoTime();
            try (PolyEngine e = open.apply(c)) {
                EngineConformance conf = new EngineConformance(e, seed ^ c.hashCode());
                conf.runAll();
                total += conf.checked().size();
                log.printf("  %-58s %4d checks bit-exact  (%.1f s)%n", c, conf.checked().size(),
                        (System.nanoTime() - t0) / 1e9);
            }
        }
        return total;
    }

    /**
     * {@code java ... org.hecnn.kernels.engine.EngineConformance <backend> [quick|large]}: runs the standard
     * configurations (with "quick" only the first, small one: for compute-sanitizer; with "large" the
     * {@link #largeConfigs()}) against the named backend; exit 0 when all are bit-exact, 1 on a difference, 2 when
     * the backend is unavailable.
     */
    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "auto";
        String mode = args.length > 1 ? args[1] : "standard";
        BackendProvider provider;
        try {
            provider = Backends.select(name);
        } catch (RuntimeException e) {
            System.out.println("SKIPPED: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.out.println("bit-exact conformance of backend '" + provider.name() + "' ("
                + provider.availability().reason() + ") against the scalar reference:");
        try {
            List<Config> configs = switch (mode) {
                case "quick" -> standardConfigs().subList(0, 1);
                case "large" -> largeConfigs();
                default -> standardConfigs();
            };
            int n = run(configs, c -> {
                PolyEngine e = provider.open(c.ring());
                if (c.tileLog() > 0 && e instanceof GpuEngine g) {
                    e.close();
                    return new GpuEngine(c.ring(), g.runtime(), Math.min(c.tileLog(), g.runtime().tileLog()));
                }
                return e;
            }, 20240601L, System.out);
            System.out.println("PASSED: " + n + " checks");
        } catch (AssertionError e) {
            System.out.println("FAILED: " + e.getMessage());
            System.exit(1);
        }
    }
}
