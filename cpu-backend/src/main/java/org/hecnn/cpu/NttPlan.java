package org.hecnn.cpu;

import java.util.Map;
import java.util.WeakHashMap;
import org.hecnn.ring.Modulus;
import org.hecnn.ring.NttTable;

/**
 * Per-{@link NttTable} constants the vector NTT needs beyond the table itself: the inverse transform's last
 * twiddle pre-multiplied by N^-1 (so the N^-1 scaling fuses into the last stage) and, for moduli of at most
 * {@link #FP_MAX_BITS} bits, every twiddle divided by q as a double (the floating-point quotient estimate).
 * Cached weakly by table identity, so plans vanish with their rings.
 */
final class NttPlan {
    /** Moduli up to this many bits use the floating-point quotient (exact: see {@link VectorLimbKernels}). */
    static final int FP_MAX_BITS = 50;

    private static final Map<NttTable, NttPlan> CACHE = new WeakHashMap<>();

    final boolean fp;
    /** Bits of (double) w[i] / q for the forward and inverse twiddles; null unless {@link #fp}. */
    final long[] forwardQuotients;
    final long[] inverseQuotients;
    /** inverse[1] · N^-1 mod q with its Shoup companion and quotient bits. */
    final long lastTwiddle;
    final long lastTwiddleShoup;
    final long lastTwiddleQuotient;
    /** Bits of (double) N^-1 / q. */
    final long nInverseQuotient;

    private NttPlan(NttTable table) {
        Modulus q = table.modulus();
        int n = table.n();
        fp = q.bits() <= FP_MAX_BITS;
        long[] inv = table.inverseTwiddles();
        lastTwiddle = n >= 2 ? q.mul(inv[1], table.nInverse()) : table.nInverse();
        lastTwiddleShoup = q.shoup(lastTwiddle);
        lastTwiddleQuotient = quotientBits(lastTwiddle, q);
        nInverseQuotient = quotientBits(table.nInverse(), q);
        if (fp) {
            forwardQuotients = quotients(table.forwardTwiddles(), q);
            inverseQuotients = quotients(inv, q);
        } else {
            forwardQuotients = null;
            inverseQuotients = null;
        }
    }

    /** Correctly rounded w / q (both exact doubles below 2^53, and IEEE division rounds once). */
    static long quotientBits(long w, Modulus q) {
        return Double.doubleToRawLongBits((double) w / (double) q.value());
    }

    private static long[] quotients(long[] w, Modulus q) {
        long[] out = new long[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = quotientBits(w[i], q);
        }
        return out;
    }

    static NttPlan of(NttTable table) {
        synchronized (CACHE) {
            NttPlan plan = CACHE.get(table);
            if (plan == null) {
                plan = new NttPlan(table);
                CACHE.put(table, plan);
            }
            return plan;
        }
    }
}
