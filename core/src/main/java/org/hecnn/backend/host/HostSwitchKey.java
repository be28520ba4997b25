package org.hecnn.backend.host;

import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.backend.KeyLimbSource;

/**
 * A switching key in host memory over its first {@code qLimbs} data limbs and P, with Shoup companions
 * precomputed for the inner product (null when keys are stored compactly).
 */
final class HostSwitchKey implements DeviceSwitchKey {
    /** [digit][limb over full QP][coefficient]. */
    final long[][][] b;
    /** The uniform half, or null where {@link #aSource} makes it limb by limb on demand. */
    final long[][][] a;
    final KeyLimbSource aSource;
    final long[][][] bShoup;
    final long[][][] aShoup;
    /** Data limbs covered: the key may be truncated to the levels it is used at. */
    final int qLimbs;

    HostSwitchKey(long[][][] b, long[][][] a, long[][][] bShoup, long[][][] aShoup, int qLimbs) {
        this(b, a, null, bShoup, aShoup, qLimbs);
    }

    HostSwitchKey(long[][][] b, long[][][] a, KeyLimbSource aSource, long[][][] bShoup, long[][][] aShoup,
                  int qLimbs) {
        this.b = b;
        this.a = a;
        this.aSource = aSource;
        this.bShoup = bShoup;
        this.aShoup = aShoup;
        this.qLimbs = qLimbs;
    }

    @Override
    public void close() {
        // Host memory is reclaimed by the garbage collector.
    }
}
