package org.hecnn.backend.host;

import org.hecnn.backend.DeviceDecomposition;

/** Key-switching digits raised to Q_l·P, in NTT form: [digit][limb over Q_l P][coefficient]. */
final class HostDecomposition implements DeviceDecomposition {
    final long[][][] digits;
    private final int qLimbs;

    HostDecomposition(long[][][] digits, int qLimbs) {
        this.digits = digits;
        this.qLimbs = qLimbs;
    }

    @Override
    public int qLimbs() {
        return qLimbs;
    }

    @Override
    public void close() {
        // Host memory is reclaimed by the garbage collector.
    }
}
