package org.hecnn.ckks;

import org.hecnn.backend.DevicePoly;

/** An encoded message: a polynomial over Q_level in NTT form on the context's engine, with its scale. */
public final class Plaintext implements AutoCloseable {
    private final CkksContext context;
    private final DevicePoly poly;
    private final double scale;

    public Plaintext(CkksContext context, DevicePoly poly, double scale) {
        this.context = context;
        this.poly = poly;
        this.scale = scale;
    }

    public CkksContext context() {
        return context;
    }

    public DevicePoly poly() {
        return poly;
    }

    public int level() {
        return poly.qLimbs() - 1;
    }

    public double scale() {
        return scale;
    }

    @Override
    public void close() {
        poly.close();
    }

    @Override
    public String toString() {
        return String.format("Plaintext[level %d, scale 2^%.2f]", level(), Math.log(scale) / Math.log(2));
    }
}
