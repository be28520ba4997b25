package org.hecnn.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.hecnn.backend.DeviceDecomposition;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.backend.PolyEngine;
import org.hecnn.backend.SparseIntegerMatrix;
import org.hecnn.backend.host.HostEngine;
import org.hecnn.backend.host.LimbExecutor;
import org.hecnn.backend.host.ScalarLimbKernels;
import org.hecnn.ring.Galois;
import org.hecnn.ring.Modulus;
import org.hecnn.ring.Primes;
import org.hecnn.ring.RnsRing;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU engine (vector kernels on a fork-join pool) against the reference engine (scalar kernels, sequential)
 * on random polynomials: every engine operation, compared limb by limb and bit for bit.
 */
class EngineEquivalenceTest {
    static ForkJoinLimbExecutor pool;

    @BeforeAll
    static void startPool() {
        pool = new ForkJoinLimbExecutor(3); // more threads than cores: exercises real interleaving
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    /** Rings at N = 2^12 mixing integer-path (> 50-bit) and floating-point-path (≤ 50-bit) primes. */
    static Stream<Arguments> rings() {
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of("mixed dnum=3", ring(12, new int[] {55, 40, 45, 50, 49, 51}, new int[] {60, 61}, 3)));
        out.add(Arguments.of("large dnum=2", ring(12, new int[] {61, 58, 59, 60}, new int[] {61, 61, 60}, 2)));
        out.add(Arguments.of("small dnum=4", ring(12, new int[] {36, 30, 30, 30}, new int[] {50}, 4)));
        return out.stream();
    }

    static RnsRing ring(int logN, int[] dataBits, int[] specialBits, int dnum) {
        List<Long> q = Primes.generate(logN, dataBits, List.of());
        List<Long> p = Primes.generate(logN, specialBits, q);
        return new RnsRing(logN, q, p, dnum);
    }

    static long[][] randomLimbs(RnsRing ring, SplittableRandom rnd, int qLimbs, boolean special) {
        int count = qLimbs + (special ? ring.pCount() : 0);
        long[][] limbs = new long[count][ring.n()];
        for (int i = 0; i < count; i++) {
            long q = ring.limbModulus(i, qLimbs).value();
            for (int k = 0; k < ring.n(); k++) {
                limbs[i][k] = switch (rnd.nextInt(64)) {
                    case 0 -> 0;
                    case 1 -> q - 1;
                    default -> rnd.nextLong(q);
                };
            }
        }
        return limbs;
    }

    static final class Pair implements AutoCloseable {
        final PolyEngine ref;
        final PolyEngine cpu;

        Pair(RnsRing ring) {
            ref = new HostEngine(ring, new ScalarLimbKernels(), LimbExecutor.SEQUENTIAL, "reference");
            cpu = new HostEngine(ring, new VectorLimbKernels(), pool, "cpu");
        }

        DevicePoly[] upload(long[][] limbs, int qLimbs, boolean special) {
            return new DevicePoly[] {ref.upload(limbs, qLimbs, special), cpu.upload(limbs, qLimbs, special)};
        }

        void same(DevicePoly[] p, String what) {
            long[][] a = ref.download(p[0]);
            long[][] b = cpu.download(p[1]);
            assertEquals(a.length, b.length, what + ": limb count");
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(a[i], b[i], what + ": limb " + i);
            }
        }

        @Override
        public void close() {
            ref.close();
            cpu.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rings")
    void nttAndElementwise(String name, RnsRing ring) {
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        try (Pair e = new Pair(ring)) {
            for (int ql = ring.qCount(); ql >= 1; ql -= 2) {
                for (boolean special : new boolean[] {false, true}) {
                    long[][] x = randomLimbs(ring, rnd, ql, special);
                    long[][] y = randomLimbs(ring, rnd, ql, special);
                    DevicePoly[] a = e.upload(x, ql, special);
                    DevicePoly[] b = e.upload(y, ql, special);
                    e.ref.forwardNtt(a[0]);
                    e.cpu.forwardNtt(a[1]);
                    e.same(a, "forward NTT");
                    e.ref.inverseNtt(b[0]);
                    e.cpu.inverseNtt(b[1]);
                    e.same(b, "inverse NTT");
                    DevicePoly[] o = {e.ref.allocate(ql, special), e.cpu.allocate(ql, special)};
                    e.ref.add(a[0], b[0], o[0]);
                    e.cpu.add(a[1], b[1], o[1]);
                    e.same(o, "add");
                    e.ref.subtract(a[0], b[0], o[0]);
                    e.cpu.subtract(a[1], b[1], o[1]);
                    e.same(o, "subtract");
                    e.ref.negate(o[0], o[0]);
                    e.cpu.negate(o[1], o[1]);
                    e.same(o, "negate in place");
                    e.ref.multiply(a[0], b[0], o[0]);
                    e.cpu.multiply(a[1], b[1], o[1]);
                    e.same(o, "multiply");
                    e.ref.multiplyAdd(a[0], b[0], o[0]);
                    e.cpu.multiplyAdd(a[1], b[1], o[1]);
                    e.same(o, "multiplyAdd");
                    long[] c = new long[ql + (special ? ring.pCount() : 0)];
                    for (int i = 0; i < c.length; i++) {
                        c[i] = rnd.nextLong(ring.limbModulus(i, ql).value());
                    }
                    e.ref.multiplyConstant(a[0], c, o[0]);
                    e.cpu.multiplyConstant(a[1], c, o[1]);
                    e.same(o, "multiplyConstant");
                    e.ref.multiplyConstantAdd(b[0], c, o[0]);
                    e.cpu.multiplyConstantAdd(b[1], c, o[1]);
                    e.same(o, "multiplyConstantAdd");
                    e.ref.addConstant(o[0], c, o[0]);
                    e.cpu.addConstant(o[1], c, o[1]);
                    e.same(o, "addConstant");
                }
            }
        }
    }

    /**
     * Plaintexts given as integers: the fused limb-by-limb product equals reducing, transforming and multiplying
     * step by step, on both engines, overwriting and accumulating.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rings")
    void integerPlaintextProductsEqualTheComposedDefinition(String name, RnsRing ring) {
        SplittableRandom rnd = new SplittableRandom(name.hashCode() + 1);
        try (Pair e = new Pair(ring)) {
            for (int ql = ring.qCount(); ql >= 1; ql -= 2) {
                int[] integers = new int[ring.n()];
                for (int k = 0; k < integers.length; k++) {
                    integers[k] = k % 13 == 0 ? Integer.MIN_VALUE : rnd.nextInt();
                }
                java.lang.foreign.MemorySegment segment = java.lang.foreign.MemorySegment.ofArray(integers);
                DevicePoly[] uploaded = {e.ref.uploadIntegers(segment, ql), e.cpu.uploadIntegers(segment, ql)};
                e.same(uploaded, "uploadIntegers");
                e.ref.forwardNtt(uploaded[0]);
                DevicePoly[] x0 = e.upload(randomLimbs(ring, rnd, ql, false), ql, false);
                DevicePoly[] x1 = e.upload(randomLimbs(ring, rnd, ql, false), ql, false);
                DevicePoly want0 = e.ref.allocate(ql, false);
                DevicePoly want1 = e.ref.allocate(ql, false);
                e.ref.multiply(x0[0], uploaded[0], want0);
                e.ref.multiply(x1[0], uploaded[0], want1);
                DevicePoly[] out0 = {e.ref.allocate(ql, false), e.cpu.allocate(ql, false)};
                DevicePoly[] out1 = {e.ref.allocate(ql, false), e.cpu.allocate(ql, false)};
                for (int side = 0; side < 2; side++) {
                    PolyEngine engine = side == 0 ? e.ref : e.cpu;
                    engine.multiplyByIntegers(segment, new DevicePoly[] {x0[side], x1[side]},
                            new DevicePoly[] {out0[side], out1[side]}, false);
                }
                e.same(out0, "multiplyByIntegers, part 0");
                e.same(out1, "multiplyByIntegers, part 1");
                assertArrayEquals(e.ref.download(want0), e.ref.download(out0[0]), "fused product against the definition");
                assertArrayEquals(e.ref.download(want1), e.ref.download(out1[0]), "fused product against the definition");
                e.ref.multiplyAdd(x0[0], uploaded[0], want0);
                for (int side = 0; side < 2; side++) {
                    PolyEngine engine = side == 0 ? e.ref : e.cpu;
                    engine.multiplyByIntegers(segment, new DevicePoly[] {x0[side]}, new DevicePoly[] {out0[side]},
                            true);
                }
                e.same(out0, "multiplyByIntegers accumulating");
                assertArrayEquals(e.ref.download(want0), e.ref.download(out0[0]),
                        "fused accumulation against the definition");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rings")
    void sparseLinearMapFusedEqualsComposedAndTheDefinition(String name, RnsRing ring) {
        SplittableRandom rnd = new SplittableRandom(name.hashCode() + 7);
        int columns = 9;
        int rows = 15;
        SparseIntegerMatrix m = SparseIntegerMatrix.random(rnd, columns, rows);
        try (Pair e = new Pair(ring)) {
            for (int ql = ring.qCount(); ql >= 1; ql -= 2) {
                long[][][] x = new long[columns][][];
                DevicePoly[][] in = new DevicePoly[2][columns];
                DevicePoly[] composedIn = new DevicePoly[columns];
                for (int c = 0; c < columns; c++) {
                    x[c] = randomLimbs(ring, rnd, ql, false);
                    DevicePoly[] up = e.upload(x[c], ql, false);
                    in[0][c] = up[0];
                    in[1][c] = up[1];
                    composedIn[c] = e.ref.upload(x[c], ql, false);
                }
                DevicePoly[][] out = new DevicePoly[3][rows];
                for (int j = 0; j < rows; j++) {
                    out[0][j] = e.ref.allocate(ql, false);
                    out[1][j] = e.cpu.allocate(ql, false);
                    out[2][j] = e.ref.allocate(ql, false);
                }
                e.ref.sparseLinearMap(in[0], m, out[0]);
                e.cpu.sparseLinearMap(in[1], m, out[1]);
                m.applyComposed(e.ref, composedIn, out[2]);
                for (int j = 0; j < rows; j++) {
                    long[][] want = new long[ql][ring.n()];
                    for (int i = 0; i < ql; i++) {
                        Modulus q = ring.q(i);
                        for (int g = m.rowGroupStart()[j]; g < m.rowGroupStart()[j + 1]; g++) {
                            long c = q.reduce(m.groupMultiplier()[g]);
                            for (int t = m.groupTermStart()[g]; t < m.groupTermStart()[g + 1]; t++) {
                                long[] limb = x[m.termColumn()[t]][i];
                                for (int k = 0; k < ring.n(); k++) {
                                    long v = q.mul(limb[k], c);
                                    want[i][k] = m.termNegative()[t] ? q.sub(want[i][k], v) : q.add(want[i][k], v);
                                }
                            }
                        }
                    }
                    String what = "sparse map row " + j + " at " + ql + " limbs";
                    assertArrayEquals(want, e.ref.download(out[0][j]), what + " (scalar fused)");
                    assertArrayEquals(want, e.cpu.download(out[1][j]), what + " (vector fused)");
                    assertArrayEquals(want, e.ref.download(out[2][j]), what + " (composed)");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rings")
    void tensorAutomorphismRescale(String name, RnsRing ring) {
        SplittableRandom rnd = new SplittableRandom(name.hashCode() + 1);
        try (Pair e = new Pair(ring)) {
            for (int ql = ring.qCount(); ql >= 2; ql--) {
                DevicePoly[] a0 = e.upload(randomLimbs(ring, rnd, ql, false), ql, false);
                DevicePoly[] a1 = e.upload(randomLimbs(ring, rnd, ql, false), ql, false);
                DevicePoly[] b0 = e.upload(randomLimbs(ring, rnd, ql, false), ql, false);
                DevicePoly[] b1 = e.upload(randomLimbs(ring, rnd, ql, false), ql, false);
                DevicePoly[][] d = new DevicePoly[3][2];
                for (int side = 0; side < 2; side++) {
                    PolyEngine eng = side == 0 ? e.ref : e.cpu;
                    for (int j = 0; j < 3; j++) {
                        d[j][side] = eng.allocate(ql, false);
                    }
                    eng.tensor(a0[side], a1[side], b0[side], b1[side], d[0][side], d[1][side], d[2][side]);
                }
                for (int j = 0; j < 3; j++) {
                    e.same(d[j], "tensor d" + j);
                }
                for (int side = 0; side < 2; side++) {
                    PolyEngine eng = side == 0 ? e.ref : e.cpu;
                    eng.tensor(a0[side], a1[side], a0[side], a1[side], d[0][side], d[1][side], d[2][side]);
                }
                for (int j = 0; j < 3; j++) {
                    e.same(d[j], "square d" + j);
                }
                int[] elements = {Galois.rotationElement(1, ring.logN()), Galois.rotationElement(-7, ring.logN()),
                    Galois.conjugationElement(ring.logN())};
                for (int g : elements) {
                    DevicePoly[] o = {e.ref.allocate(ql, false), e.cpu.allocate(ql, false)};
                    e.ref.automorphism(a0[0], g, o[0]);
                    e.cpu.automorphism(a0[1], g, o[1]);
                    e.same(o, "automorphism " + g);
                }
                DevicePoly[] r = {e.ref.rescale(a1[0]), e.cpu.rescale(a1[1])};
                e.same(r, "rescale at " + ql + " limbs");
            }
        }
    }

    /** Switching keys without Shoup companions (HostEngine.COMPACT_KEYS): the innerProductCompact kernel. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rings")
    void decomposeAndKeySwitchWithCompactKeys(String name, RnsRing ring) {
        String old = System.getProperty(HostEngine.COMPACT_KEYS);
        System.setProperty(HostEngine.COMPACT_KEYS, "true");
        try {
            decomposeAndKeySwitch(name + " compact", ring);
        } finally {
            if (old == null) {
                System.clearProperty(HostEngine.COMPACT_KEYS);
            } else {
                System.setProperty(HostEngine.COMPACT_KEYS, old);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rings")
    void decomposeAndKeySwitch(String name, RnsRing ring) {
        SplittableRandom rnd = new SplittableRandom(name.hashCode() + 2);
        int digits = ring.dnum();
        int full = ring.qCount();
        long[][][] kb = new long[digits][][];
        long[][][] ka = new long[digits][][];
        for (int j = 0; j < digits; j++) {
            kb[j] = randomLimbs(ring, rnd, full, true);
            ka[j] = randomLimbs(ring, rnd, full, true);
        }
        try (Pair e = new Pair(ring)) {
            DeviceSwitchKey[] key = {e.ref.uploadSwitchKey(kb, ka), e.cpu.uploadSwitchKey(kb, ka)};
            for (int ql = full; ql >= 1; ql--) {
                DevicePoly[] x = e.upload(randomLimbs(ring, rnd, ql, false), ql, false);
                DeviceDecomposition rd = e.ref.decompose(x[0]);
                DeviceDecomposition cd = e.cpu.decompose(x[1]);
                int[] elements = {1, Galois.rotationElement(3, ring.logN()), Galois.conjugationElement(ring.logN())};
                for (int g : elements) {
                    DevicePoly[] r = e.ref.keySwitch(rd, key[0], g);
                    DevicePoly[] c = e.cpu.keySwitch(cd, key[1], g);
                    e.same(new DevicePoly[] {r[0], c[0]}, "keySwitch out0, g=" + g + ", " + ql + " limbs");
                    e.same(new DevicePoly[] {r[1], c[1]}, "keySwitch out1, g=" + g + ", " + ql + " limbs");
                }
                DevicePoly[] r = e.ref.keySwitch(x[0], key[0]);
                DevicePoly[] c = e.cpu.keySwitch(x[1], key[1]);
                e.same(new DevicePoly[] {r[0], c[0]}, "decompose+keySwitch out0, " + ql + " limbs");
                e.same(new DevicePoly[] {r[1], c[1]}, "decompose+keySwitch out1, " + ql + " limbs");
                rd.close();
                cd.close();
            }
        }
    }
}
