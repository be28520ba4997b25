package org.hecnn.backend.host;

import org.hecnn.backend.DevicePoly;

/** A polynomial in host memory: one long[N] per limb. */
public final class HostPoly implements DevicePoly {
    private final long[][] limbs;
    private final int qLimbs;
    private final boolean special;

    HostPoly(long[][] limbs, int qLimbs, boolean special) {
        this.limbs = limbs;
        this.qLimbs = qLimbs;
        this.special = special;
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
        return limbs.length;
    }

    long[] limb(int i) {
        return limbs[i];
    }

    long[][] limbs() {
        return limbs;
    }

    @Override
    public void close() {
        // Host memory is reclaimed by the garbage collector.
    }
}
