package org.hecnn.kernels.engine;

import org.hecnn.backend.DeviceDecomposition;

/** Key-switching digits raised to Q_l P in NTT form, on the device: [digit][ql + K][N]. */
final class GpuDecomposition extends Resident implements DeviceDecomposition {
    private final int qLimbs;
    private final int digits;

    GpuDecomposition(GpuEngine engine, GpuBuffer buffer, int qLimbs, int digits) {
        super(engine, buffer);
        this.qLimbs = qLimbs;
        this.digits = digits;
    }

    @Override
    public int qLimbs() {
        return qLimbs;
    }

    int digits() {
        return digits;
    }
}
