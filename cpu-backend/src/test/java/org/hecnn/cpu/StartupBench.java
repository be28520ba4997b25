package org.hecnn.cpu;

import java.util.List;
import java.util.Locale;
import org.hecnn.ring.Modulus;
import org.hecnn.ring.NttTable;
import org.hecnn.ring.Primes;

/**
 * Time to full speed (not a test): wall time per N = 2^14 forward + inverse NTT pair (60-bit prime), second by
 * second from JVM start. Until C2 has compiled them, Vector API kernels run in the interpreter or C1, where
 * every lane operation allocates, so the first seconds are slow; C2 itself needs hundreds of milliseconds per
 * kernel. Measured on the 2-core Zen 4 machine: ~5-6 s to full speed (a background warm-up thread on small
 * arrays made it worse: it competes for the same cores and the same compiler queue).
 */
public final class StartupBench {
    public static void main(String[] args) {
        long start = System.nanoTime();
        int logN = 14;
        Modulus q = new Modulus(Primes.generate(logN, new int[] {60}, List.of()).get(0));
        NttTable t = new NttTable(q, logN);
        long[] x = KernelBench.random(new java.util.SplittableRandom(1), 1 << logN, q.value());
        VectorLimbKernels k = new VectorLimbKernels();
        long last = System.nanoTime();
        int calls = 0;
        while (System.nanoTime() - start < 15e9) {
            k.forwardNtt(x, t);
            k.inverseNtt(x, t);
            calls++;
            long now = System.nanoTime();
            if (now - last > 1e9) {
                System.out.printf(Locale.ROOT, "t=%4.1f s: %.3f ms per pair%n", (now - start) / 1e9,
                        (now - last) / 1e6 / calls);
                last = now;
                calls = 0;
            }
        }
    }
}
