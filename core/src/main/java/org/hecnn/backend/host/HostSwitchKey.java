package org.hecnn.backend.host;

import org.hecnn.backend.DeviceSwitchKey;

/** A switching key in host memory with Shoup companions precomputed for the inner product. */
final class HostSwitchKey implements DeviceSwitchKey {
    /** [digit][limb over full QP][coefficient]. */
    final long[][][] b;
    final long[][][] a;
    final long[][][] bShoup;
    final long[][][] aShoup;

    HostSwitchKey(long[][][] b, long[][][] a, long[][][] bShoup, long[][][] aShoup) {
        this.b = b;
        this.a = a;
        this.bShoup = bShoup;
        this.aShoup = aShoup;
    }

    @Override
    public void close() {
        // Host memory is reclaimed by the garbage collector.
    }
}
