package org.hecnn.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.hecnn.backend.host.LimbKernels;
import org.hecnn.backend.host.ScalarLimbKernels;
import org.hecnn.ring.Galois;
import org.hecnn.ring.Modulus;
import org.hecnn.ring.NttTable;
import org.hecnn.ring.Primes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@link LimbKernels} method of {@link VectorLimbKernels} against {@link ScalarLimbKernels}, bit for bit,
 * on random inputs sprinkled with the edge values 0, 1, q−2, q−1 (and whole arrays of them), for moduli of
 * 20..61 bits (both sides of the floating-point threshold at 50 bits) and N from 2 to 2^13.
 */
class VectorLimbKernelsTest {
    static final int MAX_LOG_N = 13;
    static final int[] BITS = {20, 31, 40, 49, 50, 51, 55, 59, 60, 61};
    static final List<Long> PRIMES = Primes.generate(MAX_LOG_N, BITS, List.of());
    static final int[] LOG_NS = {1, 2, 3, 4, 5, 6, 10, 13};

    final LimbKernels scalar = new ScalarLimbKernels();
    final LimbKernels vector = new VectorLimbKernels();

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (long p : PRIMES) {
            for (int logN : LOG_NS) {
                out.add(Arguments.of(p, logN));
            }
        }
        return out.stream();
    }

    /** Element-wise kernels also see lengths that are not powers of two (vector loop plus scalar tail). */
    static Stream<Arguments> lengths() {
        List<Arguments> out = new ArrayList<>();
        for (long p : PRIMES) {
            for (int n : new int[] {1, 7, 16, 37, 1024, 1003, 8192}) {
                out.add(Arguments.of(p, n));
            }
        }
        return out.stream();
    }

    /** Random residues in [0, q) with about 1 in 8 entries an edge value; mode 1 all 0, mode 2 all q−1. */
    static long[] residues(SplittableRandom rnd, int n, long q, int mode) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = switch (mode) {
                case 1 -> 0;
                case 2 -> q - 1;
                default -> switch (rnd.nextInt(32)) {
                    case 0 -> 0;
                    case 1 -> 1;
                    case 2 -> q - 1;
                    case 3 -> q - 2;
                    // all-ones low half: maximal carries out of the dropped partial products
                    case 4, 5 -> Math.min(rnd.nextLong(q) | 0xFFFFFFFFL, q - 1);
                    default -> rnd.nextLong(q);
                };
            };
        }
        return a;
    }

    static long[] residues(SplittableRandom rnd, int n, long q) {
        return residues(rnd, n, q, 0);
    }

    static long constant(SplittableRandom rnd, long q, int which) {
        return switch (which) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> q - 1;
            default -> rnd.nextLong(q);
        };
    }

    @ParameterizedTest(name = "q={0} logN={1}")
    @MethodSource("cases")
    void forwardAndInverseNtt(long p, int logN) {
        Modulus q = new Modulus(p);
        NttTable table = new NttTable(q, logN);
        int n = 1 << logN;
        SplittableRandom rnd = new SplittableRandom(p ^ logN);
        for (int mode = 0; mode < 3; mode++) {
            for (int rep = 0; rep < (mode == 0 ? 3 : 1); rep++) {
                long[] a = residues(rnd, n, p, mode);
                long[] s = a.clone();
                long[] v = a.clone();
                scalar.forwardNtt(s, table);
                vector.forwardNtt(v, table);
                assertArrayEquals(s, v, "forward NTT");
                scalar.inverseNtt(s, table);
                vector.inverseNtt(v, table);
                assertArrayEquals(s, v, "inverse NTT");
                assertArrayEquals(a, v, "round trip");
                // inverse on a fresh random NTT-domain input too
                long[] b = residues(rnd, n, p, mode);
                long[] sb = b.clone();
                long[] vb = b.clone();
                scalar.inverseNtt(sb, table);
                vector.inverseNtt(vb, table);
                assertArrayEquals(sb, vb, "inverse NTT of random input");
            }
        }
    }

    @ParameterizedTest(name = "q={0} n={1}")
    @MethodSource("lengths")
    void elementwise(long p, int n) {
        Modulus q = new Modulus(p);
        SplittableRandom rnd = new SplittableRandom(p * 31 + n);
        for (int mode = 0; mode < 3; mode++) {
            long[] a = residues(rnd, n, p, mode);
            long[] b = residues(rnd, n, p, mode == 0 ? 0 : 3 - mode);
            long[] acc = residues(rnd, n, p);
            check(a, b, n, (x, y, o) -> scalar.add(x, y, o, q), (x, y, o) -> vector.add(x, y, o, q), "add");
            check(a, b, n, (x, y, o) -> scalar.subtract(x, y, o, q), (x, y, o) -> vector.subtract(x, y, o, q),
                    "subtract");
            check(b, a, n, (x, y, o) -> scalar.subtract(x, y, o, q), (x, y, o) -> vector.subtract(x, y, o, q),
                    "subtract reversed");
            check(a, b, n, (x, y, o) -> scalar.negate(x, o, q), (x, y, o) -> vector.negate(x, o, q), "negate");
            check(a, b, n, (x, y, o) -> scalar.multiply(x, y, o, q), (x, y, o) -> vector.multiply(x, y, o, q),
                    "multiply");
            check(a, a, n, (x, y, o) -> scalar.multiply(x, y, o, q), (x, y, o) -> vector.multiply(x, y, o, q),
                    "square");
            long[] s = acc.clone();
            long[] v = acc.clone();
            scalar.multiplyAdd(a, b, s, q);
            vector.multiplyAdd(a, b, v, q);
            assertArrayEquals(s, v, "multiplyAdd");
            for (int which = 0; which < 6; which++) {
                long c = constant(rnd, p, which);
                long cs = q.shoup(c);
                check(a, b, n, (x, y, o) -> scalar.multiplyConstant(x, c, cs, o, q),
                        (x, y, o) -> vector.multiplyConstant(x, c, cs, o, q), "multiplyConstant c=" + c);
                check(a, b, n, (x, y, o) -> scalar.addConstant(x, c, o, q),
                        (x, y, o) -> vector.addConstant(x, c, o, q), "addConstant c=" + c);
                check(a, b, n, (x, y, o) -> scalar.subtractAndScale(x, y, c, cs, o, q),
                        (x, y, o) -> vector.subtractAndScale(x, y, c, cs, o, q), "subtractAndScale c=" + c);
                s = acc.clone();
                v = acc.clone();
                scalar.multiplyConstantAdd(a, c, cs, s, q);
                vector.multiplyConstantAdd(a, c, cs, v, q);
                assertArrayEquals(s, v, "multiplyConstantAdd c=" + c);
            }
            // in place (out aliases the first input), as HostEngine uses them
            long[] s2 = a.clone();
            long[] v2 = a.clone();
            long c = constant(rnd, p, 3);
            scalar.multiplyConstant(s2, c, q.shoup(c), s2, q);
            vector.multiplyConstant(v2, c, q.shoup(c), v2, q);
            assertArrayEquals(s2, v2, "multiplyConstant in place");
            scalar.add(s2, s2, s2, q);
            vector.add(v2, v2, v2, q);
            assertArrayEquals(s2, v2, "add in place");
        }
    }

    interface Kernel3 {
        void run(long[] a, long[] b, long[] out);
    }

    static void check(long[] a, long[] b, int n, Kernel3 s, Kernel3 v, String what) {
        long[] so = new long[n];
        long[] vo = new long[n];
        s.run(a, b, so);
        v.run(a, b, vo);
        assertArrayEquals(so, vo, what);
    }

    @ParameterizedTest(name = "q={0} n={1}")
    @MethodSource("lengths")
    void reduceCentered(long p, int n) {
        SplittableRandom rnd = new SplittableRandom(p + n);
        Modulus from = new Modulus(p);
        for (long other : PRIMES) {
            Modulus to = new Modulus(other);
            long half = p >>> 1;
            for (int mode = 0; mode < 3; mode++) {
                long[] x = residues(rnd, n, p, mode);
                for (int i = 0; i < n && mode == 0; i += 5) {
                    x[i] = switch (rnd.nextInt(4)) {
                        case 0 -> half;
                        case 1 -> half + 1;
                        case 2 -> half - 1;
                        default -> x[i];
                    };
                }
                long[] s = new long[n];
                long[] v = new long[n];
                scalar.reduceCentered(x, from, s, to);
                vector.reduceCentered(x, from, v, to);
                assertArrayEquals(s, v, "reduceCentered to " + to);
            }
        }
    }

    /** Sources of a basis conversion: any values below 2^63, mostly residues of the other moduli. */
    static long[][] sources(SplittableRandom rnd, int count, int n, long p) {
        long[][] ys = new long[count][n];
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < n; k++) {
                ys[i][k] = switch (rnd.nextInt(16)) {
                    case 0 -> 0;
                    case 1 -> Long.MAX_VALUE;
                    case 2 -> p - 1;
                    case 3 -> rnd.nextLong(Long.MAX_VALUE);
                    default -> rnd.nextLong(PRIMES.get(rnd.nextInt(PRIMES.size())));
                };
            }
        }
        return ys;
    }

    @ParameterizedTest(name = "q={0} n={1}")
    @MethodSource("lengths")
    void reduceIntegers(long p, int n) {
        Modulus q = new Modulus(p);
        SplittableRandom rnd = new SplittableRandom(p + n);
        int[] x = new int[n];
        int[] edges = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, (int) Math.min(p, Integer.MAX_VALUE),
                (int) -Math.min(p, Integer.MAX_VALUE)};
        for (int k = 0; k < n; k++) {
            x[k] = k < edges.length ? edges[k] : rnd.nextInt();
        }
        long[] s = new long[n];
        long[] v = new long[n];
        scalar.reduceIntegers(java.lang.foreign.MemorySegment.ofArray(x), s, q);
        vector.reduceIntegers(java.lang.foreign.MemorySegment.ofArray(x), v, q);
        assertArrayEquals(s, v);
        // the same integers off the heap at an odd address, as in a mapped file of compiled plaintexts
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment off = arena.allocate(4L * n + 1).asSlice(1);
            for (int k = 0; k < n; k++) {
                off.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, k, x[k]);
            }
            long[] o = new long[n];
            vector.reduceIntegers(off, o, q);
            assertArrayEquals(s, o, "off-heap, unaligned");
        }
        for (int k = 0; k < n; k++) {
            assertEquals(Math.floorMod((long) x[k], p), s[k], "scalar reference at " + x[k]);
        }
    }

    @ParameterizedTest(name = "q={0} n={1}")
    @MethodSource("lengths")
    void linearCombination(long p, int n) {
        Modulus q = new Modulus(p);
        SplittableRandom rnd = new SplittableRandom(p - n);
        for (int count = 1; count <= 16; count++) { // corrections beyond one vector of lanes included
            long[][] ys = sources(rnd, count, n, p);
            long[] c = new long[count];
            long[] cs = new long[count];
            for (int i = 0; i < count; i++) {
                c[i] = constant(rnd, p, i == 0 ? 2 : rnd.nextInt(5));
                cs[i] = q.shoup(c[i]);
            }
            long[] corrections = new long[count + 1];
            for (int i = 0; i <= count; i++) {
                corrections[i] = constant(rnd, p, i == count ? 2 : rnd.nextInt(5));
            }
            int[] v = new int[n];
            for (int k = 0; k < n; k++) {
                v[k] = k % 7 == 0 ? count : rnd.nextInt(count + 1);
            }
            long[] s = new long[n];
            long[] vo = new long[n];
            scalar.linearCombination(ys, c, cs, v, corrections, s, q);
            vector.linearCombination(ys, c, cs, v, corrections, vo, q);
            assertArrayEquals(s, vo, "linearCombination of " + count);
            // output aliasing a source
            long[][] ys2 = new long[count][];
            long[][] ys3 = new long[count][];
            for (int i = 0; i < count; i++) {
                ys2[i] = ys[i].clone();
                ys3[i] = ys[i].clone();
            }
            scalar.linearCombination(ys2, c, cs, v, corrections, ys2[count - 1], q);
            vector.linearCombination(ys3, c, cs, v, corrections, ys3[count - 1], q);
            assertArrayEquals(ys2[count - 1], ys3[count - 1], "linearCombination in place");
        }
    }

    @ParameterizedTest(name = "q={0} n={1}")
    @MethodSource("lengths")
    void conversionQuotients(long p, int n) {
        SplittableRandom rnd = new SplittableRandom(p ^ (n * 131L));
        for (int count = 1; count <= 6; count++) {
            double[] inv = new double[count];
            long[][] ys = new long[count][n];
            for (int i = 0; i < count; i++) {
                long m = PRIMES.get(rnd.nextInt(PRIMES.size()));
                inv[i] = 1.0 / (double) m;
                for (int k = 0; k < n; k++) {
                    // residues, with the edges and values whose term lands near x.5
                    ys[i][k] = switch (rnd.nextInt(8)) {
                        case 0 -> 0;
                        case 1 -> m - 1;
                        case 2 -> m / 2;
                        case 3 -> m / 2 + 1;
                        default -> rnd.nextLong(m);
                    };
                }
            }
            int[] s = new int[n];
            int[] v = new int[n];
            scalar.conversionQuotients(ys, inv, s);
            vector.conversionQuotients(ys, inv, v);
            assertArrayEquals(s, v, "conversionQuotients of " + count);
        }
    }

    static Stream<Arguments> innerProductCases() {
        List<Arguments> out = new ArrayList<>();
        for (long p : PRIMES) {
            for (int logN : LOG_NS) {
                out.add(Arguments.of(p, logN));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "q={0} logN={1}")
    @MethodSource("innerProductCases")
    void innerProductAndPermute(long p, int logN) {
        Modulus q = new Modulus(p);
        int n = 1 << logN;
        SplittableRandom rnd = new SplittableRandom(p + 7 * logN);
        int[][] perms = {
            null,
            Galois.nttPermutation(Galois.rotationElement(1, logN), logN),
            Galois.nttPermutation(Galois.conjugationElement(logN), logN),
            randomPermutation(rnd, n),
        };
        for (int[] perm : perms) {
            if (perm != null) {
                long[] a = residues(rnd, n, p);
                long[] s = new long[n];
                long[] v = new long[n];
                scalar.permute(a, perm, s);
                vector.permute(a, perm, v);
                assertArrayEquals(s, v, "permute");
            }
            for (int digits = 1; digits <= 4; digits++) {
                for (int mode = 0; mode < 3; mode++) {
                    long[][] xs = new long[digits][];
                    long[][] w = new long[digits][];
                    long[][] ws = new long[digits][];
                    for (int j = 0; j < digits; j++) {
                        xs[j] = residues(rnd, n, p, mode);
                        w[j] = residues(rnd, n, p, mode);
                        ws[j] = new long[n];
                        for (int k = 0; k < n; k++) {
                            ws[j][k] = q.shoup(w[j][k]);
                        }
                    }
                    long[] s = new long[n];
                    long[] v = new long[n];
                    scalar.innerProduct(xs, perm, w, ws, s, q);
                    vector.innerProduct(xs, perm, w, ws, v, q);
                    assertArrayEquals(s, v, "innerProduct digits=" + digits + " perm=" + (perm != null));
                    long[] sc = new long[n];
                    long[] vc = new long[n];
                    scalar.innerProductCompact(xs, perm, w, sc, q);
                    vector.innerProductCompact(xs, perm, w, vc, q);
                    assertArrayEquals(sc, vc, "innerProductCompact digits=" + digits + " perm=" + (perm != null));
                    assertArrayEquals(s, sc, "compact and Shoup inner products agree");
                }
            }
        }
    }

    static int[] randomPermutation(SplittableRandom rnd, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    @Test
    void vectorCodeIsActuallyUsed() {
        assertTrue(VectorLimbKernels.vectorised(), "preferred species has " + VectorLimbKernels.lanes() + " lanes");
        assertTrue(PRIMES.get(0) < (1L << 20) && PRIMES.get(PRIMES.size() - 1) >= (1L << 60));
    }

    /** The comparison is sharp: a single flipped output bit is detected. */
    @Test
    void comparisonDetectsASingleWrongValue() {
        long p = PRIMES.get(PRIMES.size() - 1);
        NttTable table = new NttTable(new Modulus(p), 10);
        long[] a = residues(new SplittableRandom(1), 1024, p);
        long[] b = a.clone();
        b[517] ^= 1;
        vector.forwardNtt(a, table);
        vector.forwardNtt(b, table);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        assertEquals(1024, a.length);
    }
}
