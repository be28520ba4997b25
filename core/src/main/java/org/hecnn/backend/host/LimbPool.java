package org.hecnn.backend.host;

/**
 * Recycles the one-limb arrays ({@code long[N]}) of a {@link HostEngine}. Closed polynomials and the
 * temporaries of fused operations (key switching, rescaling, basis conversion) hand their limbs back and later
 * allocations take them again, so evaluating a network does not make the garbage collector clear and reclaim
 * gigabytes of short-lived limbs (about 2.5 GB/s in a ResNet-20 evaluation at N = 2^16 without it). Bounded:
 * beyond {@code maxBytes} of cached limbs, returned ones are left to the collector. A taken limb holds arbitrary
 * old values unless taken with {@link #takeZeroed()}.
 */
final class LimbPool {
    private final int n;
    private final long[][] free;
    /** The cached limbs by identity: a limb handed back while cached is a bug that would give it two owners. */
    private final java.util.Set<long[]> cachedSet = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private int size;

    LimbPool(int n, long maxBytes) {
        this.n = n;
        this.free = new long[(int) Math.min(Integer.MAX_VALUE - 16, Math.max(0, maxBytes / (8L * n)))][];
    }

    /** A limb with arbitrary contents: the caller overwrites every coefficient. */
    long[] take() {
        long[] a = pop();
        return a != null ? a : new long[n];
    }

    /** A limb of zeros. */
    long[] takeZeroed() {
        long[] a = pop();
        if (a == null) {
            return new long[n];
        }
        java.util.Arrays.fill(a, 0L);
        return a;
    }

    /** The most recently returned cached limb, or null when none is cached. */
    private synchronized long[] pop() {
        if (size == 0) {
            return null;
        }
        long[] a = free[--size];
        free[size] = null;
        cachedSet.remove(a);
        return a;
    }

    /** A copy of {@code src} (length N) in a recycled limb. */
    long[] copyOf(long[] src) {
        long[] a = take();
        System.arraycopy(src, 0, a, 0, n);
        return a;
    }

    /** Hands a limb back; the caller must not use it afterwards. */
    void give(long[] limb) {
        if (limb.length != n) {
            throw new IllegalArgumentException("a limb of " + limb.length + " coefficients does not belong to a pool of "
                    + n);
        }
        synchronized (this) {
            if (cachedSet.contains(limb)) {
                throw new IllegalStateException("a limb was handed back to the pool twice; it would get two owners");
            }
            if (size < free.length) {
                free[size++] = limb;
                cachedSet.add(limb);
            }
        }
    }

    /** Hands back every non-null limb of {@code limbs}. */
    void giveAll(long[][] limbs) {
        for (long[] limb : limbs) {
            if (limb != null) {
                give(limb);
            }
        }
    }

    /** Limbs cached now (for tests). */
    synchronized int cached() {
        return size;
    }
}
