package org.hecnn.backend.host;

import org.hecnn.backend.DevicePoly;

/**
 * A polynomial in host memory: one long[N] per limb. Closing it hands its limbs back to the engine's
 * {@link LimbPool}; any later use fails with {@link IllegalStateException} instead of reading limbs that another
 * polynomial may own by then.
 */
public final class HostPoly implements DevicePoly {
    private long[][] limbs;
    private final int limbCount;
    private final int qLimbs;
    private final boolean special;
    private final LimbPool pool;

    HostPoly(long[][] limbs, int qLimbs, boolean special, LimbPool pool) {
        this.limbs = limbs;
        this.limbCount = limbs.length;
        this.qLimbs = qLimbs;
        this.special = special;
        this.pool = pool;
    }

    @Override
    public int qLimbs() {
        return qLimbs;
    }

    @Override
    public boolean hasSpecial() {
        return special;
    }

    int limbCount() {
        return limbCount;
    }

    long[] limb(int i) {
        return limbs()[i];
    }

    long[][] limbs() {
        long[][] l = limbs;
        if (l == null) {
            throw new IllegalStateException("polynomial used after close: " + qLimbs + " data limbs"
                    + (special ? " and the special limbs" : "") + "; keep it open while it is in use");
        }
        return l;
    }

    boolean isClosed() {
        return limbs == null;
    }

    /** Idempotent; synchronized so that two threads closing one polynomial cannot hand its limbs back twice. */
    @Override
    public synchronized void close() {
        long[][] l = limbs;
        if (l != null) {
            limbs = null;
            pool.giveAll(l);
        }
    }
}
