package org.hecnn.backend.host;

import org.hecnn.backend.DeviceDecomposition;

/**
 * Key-switching digits raised to Q_l·P, in NTT form: [digit][limb over Q_l P][coefficient]. Each digit's own
 * limbs are those of the decomposed polynomial (shared, not copied); the others belong to the decomposition and
 * go back to the engine's {@link LimbPool} when it is closed.
 */
final class HostDecomposition implements DeviceDecomposition {
    private long[][][] digits;
    private final boolean[][] owned;
    private final HostPoly source;
    private final int qLimbs;
    private final LimbPool pool;

    HostDecomposition(long[][][] digits, boolean[][] owned, HostPoly source, int qLimbs, LimbPool pool) {
        this.digits = digits;
        this.owned = owned;
        this.source = source;
        this.qLimbs = qLimbs;
        this.pool = pool;
    }

    @Override
    public int qLimbs() {
        return qLimbs;
    }

    /** The digits; fails once this decomposition, or the polynomial whose limbs it shares, is closed. */
    long[][][] digits() {
        long[][][] d = digits;
        if (d == null || source.isClosed()) {
            throw new IllegalStateException(d == null ? "key-switching decomposition used after close"
                    : "the polynomial this decomposition was made from was closed before the decomposition");
        }
        return d;
    }

    /** Idempotent; synchronized so that two threads closing it cannot hand its limbs back twice. */
    @Override
    public synchronized void close() {
        long[][][] d = digits;
        if (d == null) {
            return;
        }
        digits = null;
        for (int j = 0; j < d.length; j++) {
            for (int t = 0; t < d[j].length; t++) {
                if (owned[j][t]) {
                    pool.give(d[j][t]);
                }
            }
        }
    }
}
