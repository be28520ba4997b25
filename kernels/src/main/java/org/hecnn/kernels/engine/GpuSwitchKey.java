package org.hecnn.kernels.engine;

import org.hecnn.backend.DeviceSwitchKey;

/** A switching key on the device: [b, a][digit][qCount + K][N] in NTT form. */
final class GpuSwitchKey extends Resident implements DeviceSwitchKey {
    private final int digits;
    private final int qLimbs;

    GpuSwitchKey(GpuEngine engine, GpuBuffer buffer, int digits, int qLimbs) {
        super(engine, buffer);
        this.digits = digits;
        this.qLimbs = qLimbs;
    }

    /** Data limbs the key covers (a key may be truncated to the levels it is used at). */
    int qLimbs() {
        return qLimbs;
    }

    int digits() {
        return digits;
    }
}
