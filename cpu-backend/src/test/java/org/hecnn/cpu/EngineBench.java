package org.hecnn.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.hecnn.backend.DeviceDecomposition;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.backend.PolyEngine;
import org.hecnn.backend.host.HostEngine;
import org.hecnn.backend.host.LimbExecutor;
import org.hecnn.backend.host.ScalarLimbKernels;
import org.hecnn.ring.Galois;
import org.hecnn.ring.Primes;
import org.hecnn.ring.RnsRing;

/**
 * Engine-level wall-clock timing (not a test): reference engine (scalar, sequential) vs the CPU engine (vector
 * kernels; 1 thread and {@code threads} threads) at N = 2^logN with a 60-bit base prime, {@code levels} 50-bit
 * primes and two 60-bit special primes, dnum 3. Wall time, so run it on an otherwise idle machine.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:$CORE_JAR \
 *     org.hecnn.cpu.EngineBench [logN=14] [levels=7] [threads=2]
 * </pre>
 */
public final class EngineBench {
    public static void main(String[] args) {
        int logN = 14;
        int levels = 7;
        int threads = Runtime.getRuntime().availableProcessors();
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "logN" -> logN = Integer.parseInt(kv[1]);
                case "levels" -> levels = Integer.parseInt(kv[1]);
                case "threads" -> threads = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException(arg);
            }
        }
        int[] dataBits = new int[levels + 1];
        java.util.Arrays.fill(dataBits, 50);
        dataBits[0] = 60;
        List<Long> q = Primes.generate(logN, dataBits, List.of());
        List<Long> p = Primes.generate(logN, new int[] {60, 60}, q);
        RnsRing ring = new RnsRing(logN, q, p, 3);
        System.out.printf(Locale.ROOT, "# N=2^%d, %d data primes (60, 50...), 2 special (60), dnum 3; wall ms%n",
                logN, q.size());
        System.out.printf(Locale.ROOT, "%-34s %10s %10s %10s%n", "operation", "reference", "cpu x1",
                "cpu x" + threads);
        ForkJoinLimbExecutor one = new ForkJoinLimbExecutor(1);
        ForkJoinLimbExecutor many = new ForkJoinLimbExecutor(threads);
        PolyEngine[] engines = {
            new HostEngine(ring, new ScalarLimbKernels(), LimbExecutor.SEQUENTIAL, "reference"),
            new HostEngine(ring, new VectorLimbKernels(), one, "cpu1"),
            new HostEngine(ring, new VectorLimbKernels(), many, "cpuN"),
        };
        SplittableRandom rnd = new SplittableRandom(1);
        int ql = q.size();
        long[][] x = EngineEquivalenceTest.randomLimbs(ring, rnd, ql, false);
        long[][] y = EngineEquivalenceTest.randomLimbs(ring, rnd, ql, false);
        int digits = ring.digitCount(ql);
        long[][][] kb = new long[digits][][];
        long[][][] ka = new long[digits][][];
        for (int j = 0; j < digits; j++) {
            kb[j] = EngineEquivalenceTest.randomLimbs(ring, rnd, ql, true);
            ka[j] = EngineEquivalenceTest.randomLimbs(ring, rnd, ql, true);
        }
        int g = Galois.rotationElement(1, logN);
        String[] ops = {"forwardNtt (all limbs)", "inverseNtt (all limbs)", "tensor", "rescale",
            "decompose", "keySwitch (rotation, hoisted digits)", "decompose + keySwitch"};
        for (String op : ops) {
            List<Double> row = new ArrayList<>();
            for (PolyEngine e : engines) {
                DevicePoly a = e.upload(x, ql, false);
                DevicePoly b = e.upload(y, ql, false);
                DevicePoly d0 = e.allocate(ql, false);
                DevicePoly d1 = e.allocate(ql, false);
                DevicePoly d2 = e.allocate(ql, false);
                DeviceSwitchKey key = e.uploadSwitchKey(kb, ka);
                DeviceDecomposition dec = e.decompose(a);
                KernelBench.Op body = switch (op) {
                    case "forwardNtt (all limbs)" -> () -> e.forwardNtt(a);
                    case "inverseNtt (all limbs)" -> () -> e.inverseNtt(a);
                    case "tensor" -> () -> e.tensor(a, b, a, b, d0, d1, d2);
                    case "rescale" -> () -> e.rescale(a).close();
                    case "decompose" -> () -> e.decompose(a).close();
                    case "keySwitch (rotation, hoisted digits)" -> () -> e.keySwitch(dec, key, g);
                    case "decompose + keySwitch" -> () -> e.keySwitch(a, key);
                    default -> throw new IllegalStateException(op);
                };
                row.add(wallMs(body, e == engines[0] ? 2 : 4));
            }
            System.out.printf(Locale.ROOT, "%-34s %10.2f %10.2f %10.2f%n", op, row.get(0), row.get(1), row.get(2));
        }
        one.close();
        many.close();
    }

    /** Median wall milliseconds per call after a warm-up of warmupSeconds. */
    static double wallMs(KernelBench.Op op, int warmupSeconds) {
        long end = System.nanoTime() + warmupSeconds * 1_000_000_000L;
        int calls = 0;
        while (System.nanoTime() < end || calls < 3) {
            op.run();
            calls++;
        }
        int reps = Math.max(1, calls / (warmupSeconds * 4));
        double[] t = new double[9];
        for (int s = 0; s < t.length; s++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                op.run();
            }
            t[s] = (System.nanoTime() - t0) / 1e6 / reps;
        }
        java.util.Arrays.sort(t);
        return t[t.length / 2];
    }
}
