package org.hecnn.kernels.engine;

import org.hecnn.backend.DeviceSwitchKey;

/** A switching key on the device: [b, a][digit][qCount + K][N] in NTT form. */
final class GpuSwitchKey extends Resident implements DeviceSwitchKey {
    private final int digits;

    GpuSwitchKey(GpuEngine engine, GpuBuffer buffer, int digits) {
        super(engine, buffer);
        this.digits = digits;
    }

    int digits() {
        return digits;
    }
}
