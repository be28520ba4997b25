package org.hecnn.kernels.engine;

import org.hecnn.backend.DevicePoly;

/** A polynomial resident in device memory: limbs [qLimbs data limbs, then K special limbs if any][N]. */
final class GpuPoly extends Resident implements DevicePoly {
    private final int qLimbs;
    private final boolean special;
    private final int limbs;

    GpuPoly(GpuEngine engine, GpuBuffer buffer, int qLimbs, boolean special, int limbs) {
        super(engine, buffer);
        this.qLimbs = qLimbs;
        this.special = special;
        this.limbs = limbs;
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
        return limbs;
    }

    @Override
    public String toString() {
        return "GpuPoly[" + engine.backendName() + ", " + qLimbs + (special ? " + P" : "") + " limbs]";
    }
}
