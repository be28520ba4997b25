package org.hecnn.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.hecnn.backend.host.LimbKernels;
import org.hecnn.backend.host.ScalarLimbKernels;
import org.hecnn.ring.Galois;
import org.hecnn.ring.Modulus;
import org.hecnn.ring.NttTable;
import org.hecnn.ring.Primes;

/**
 * Timing harness (not a test): ns per element of each {@link LimbKernels} method, scalar vs vector, at
 * N = 2^logN for a 60-bit and a 50-bit prime. Each (kernel, implementation) pair is warmed up for
 * {@code warmupMs}, then timed in {@code samples} samples of about {@code sampleMs}; the median and the minimum
 * sample are printed. Run from cpu-backend after {@code mvn test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:$CORE_JAR \
 *     org.hecnn.cpu.KernelBench [logN=14] [bits=60,50] [kernels=all|forwardNtt+inverseNtt+...] [warmupMs=1000]
 * </pre>
 */
public final class KernelBench {
    private static volatile long sink;

    interface Op {
        void run();
    }

    public static void main(String[] args) {
        int logN = 14;
        int[] bits = {60, 50};
        String kernels = "all";
        long warmupMs = 1000;
        long sampleMs = 100;
        int samples = 9;
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "logN" -> logN = Integer.parseInt(kv[1]);
                case "bits" -> bits = Arrays.stream(kv[1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "kernels" -> kernels = kv[1];
                case "warmupMs" -> warmupMs = Long.parseLong(kv[1]);
                case "sampleMs" -> sampleMs = Long.parseLong(kv[1]);
                case "samples" -> samples = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + arg);
            }
        }
        int n = 1 << logN;
        System.out.printf(Locale.ROOT, "# N=2^%d, %d lanes, java %s, %s%n", logN, VectorLimbKernels.lanes(),
                System.getProperty("java.version"), System.getProperty("os.arch"));
        System.out.printf(Locale.ROOT, "%-22s %5s %10s %10s %10s %10s %8s%n", "kernel", "bits", "scalar ns/el",
                "vector ns/el", "scalar us", "vector us", "speedup");
        LimbKernels[] impls = {new ScalarLimbKernels(), new VectorLimbKernels()};
        for (int b : bits) {
            List<Long> primes = Primes.generate(logN, new int[] {b, b, b, b}, List.of());
            Modulus q = new Modulus(primes.get(0));
            NttTable table = new NttTable(q, logN);
            SplittableRandom rnd = new SplittableRandom(b);
            long[] x = random(rnd, n, q.value());
            long[] y = random(rnd, n, q.value());
            long[] out = new long[n];
            int[] vq = new int[n];
            long[][] xs = {random(rnd, n, q.value()), random(rnd, n, q.value()), random(rnd, n, q.value())};
            long[][] w = {random(rnd, n, q.value()), random(rnd, n, q.value()), random(rnd, n, q.value())};
            long[][] ws = new long[3][n];
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < n; k++) {
                    ws[j][k] = q.shoup(w[j][k]);
                }
            }
            // linear combination sources: residues of two other primes of the same size (as in ModUp)
            long[][] ys = {random(rnd, n, primes.get(1)), random(rnd, n, primes.get(2))};
            long[] lc = {q.reduce(primes.get(2)), q.reduce(primes.get(1))};
            long[] lcs = {q.shoup(lc[0]), q.shoup(lc[1])};
            long[] corrections = {0, q.reduce(-primes.get(1) * 3), q.reduce(-primes.get(2) * 5)};
            double[] inverseModuli = {1.0 / primes.get(1), 1.0 / primes.get(2)};
            int[] quotients = new int[n];
            new ScalarLimbKernels().conversionQuotients(ys, inverseModuli, quotients);
            long c = rnd.nextLong(q.value());
            long cs = q.shoup(c);
            int[] perm = Galois.nttPermutation(Galois.rotationElement(1, logN), logN);
            Modulus from = new Modulus(primes.get(3));
            long[] z = random(rnd, n, from.value());

            List<String[]> rows = new ArrayList<>();
            String[] names = {"forwardNtt", "inverseNtt", "multiplyConstant", "innerProduct(3)",
                "innerProduct(3,perm)", "innerProductCompact(3)", "linearCombination(2)", "conversionQuotients(2)", "multiply", "multiplyAdd", "add",
                "subtractAndScale", "permute", "reduceCentered"};
            for (String name : names) {
                if (!kernels.equals("all") && !Arrays.asList(kernels.split("\\+")).contains(name)) {
                    continue;
                }
                double[] perEl = new double[2];
                for (int i = 0; i < 2; i++) {
                    LimbKernels k = impls[i];
                    long[] a = x.clone();
                    Op op = switch (name) {
                        case "forwardNtt" -> () -> k.forwardNtt(a, table);
                        case "inverseNtt" -> () -> k.inverseNtt(a, table);
                        case "multiplyConstant" -> () -> k.multiplyConstant(x, c, cs, out, q);
                        case "innerProduct(3)" -> () -> k.innerProduct(xs, null, w, ws, out, q);
                        case "innerProduct(3,perm)" -> () -> k.innerProduct(xs, perm, w, ws, out, q);
                        case "innerProductCompact(3)" -> () -> k.innerProductCompact(xs, null, w, out, q);
                        case "linearCombination(2)" ->
                            () -> k.linearCombination(ys, lc, lcs, quotients, corrections, out, q);
                        case "conversionQuotients(2)" -> () -> k.conversionQuotients(ys, inverseModuli, vq);
                        case "multiply" -> () -> k.multiply(x, y, out, q);
                        case "multiplyAdd" -> () -> k.multiplyAdd(x, y, a, q);
                        case "add" -> () -> k.add(x, y, out, q);
                        case "subtractAndScale" -> () -> k.subtractAndScale(x, y, c, cs, out, q);
                        case "permute" -> () -> k.permute(x, perm, out);
                        case "reduceCentered" -> () -> k.reduceCentered(z, from, out, q);
                        default -> throw new IllegalStateException(name);
                    };
                    perEl[i] = time(op, warmupMs, sampleMs, samples) / n;
                    sink += out[1] + a[1];
                }
                System.out.printf(Locale.ROOT, "%-22s %5d %10.3f %10.3f %10.1f %10.1f %7.2fx%n", name, b, perEl[0],
                        perEl[1], perEl[0] * n / 1000, perEl[1] * n / 1000, perEl[0] / perEl[1]);
            }
        }
        if (sink == 42) {
            System.out.println();
        }
    }

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /** Clock: thread CPU time (default; robust against other processes on a shared machine) or wall time. */
    private static final boolean WALL = Boolean.getBoolean("bench.wall");

    static long now() {
        return WALL ? System.nanoTime() : THREADS.getCurrentThreadCpuTime();
    }

    /**
     * Median ns per call over the samples (each about sampleMs long), after warmupMs of warm-up. Time is this
     * thread's CPU time unless -Dbench.wall=true: on a loaded machine, wall time mostly measures the scheduler.
     */
    static double time(Op op, long warmupMs, long sampleMs, int samples) {
        long end = now() + warmupMs * 1_000_000;
        long calls = 0;
        while (now() < end) {
            op.run();
            calls++;
        }
        long perSample = Math.max(1, calls * sampleMs / Math.max(1, warmupMs));
        double[] t = new double[samples];
        for (int s = 0; s < samples; s++) {
            long t0 = now();
            for (long i = 0; i < perSample; i++) {
                op.run();
            }
            t[s] = (now() - t0) / (double) perSample;
        }
        Arrays.sort(t);
        return t[samples / 2];
    }

    static long[] random(SplittableRandom rnd, int n, long q) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextLong(q);
        }
        return a;
    }
}
