package org.hecnn.io;

import org.hecnn.ring.Modulus;
import org.hecnn.ring.RnsRing;

/** Polynomials over Q_l (and P) stored limb by limb, bit-packed at each modulus' width (see {@link HecnnFormat}). */
final class PolyCodec {
    private PolyCodec() {
    }

    static long limbBytes(int n, int bits) {
        return ((long) n * bits + 7) / 8;
    }

    /** Bytes of a polynomial with {@code qLimbs} data limbs (and the special limbs if {@code special}). */
    static long bytes(RnsRing ring, int qLimbs, boolean special) {
        long total = 0;
        int limbs = qLimbs + (special ? ring.pCount() : 0);
        for (int i = 0; i < limbs; i++) {
            total += limbBytes(ring.n(), ring.limbModulus(i, qLimbs).bits());
        }
        return total;
    }

    /** Bytes the same polynomial takes as plain 64-bit words (for size reports). */
    static long unpackedBytes(RnsRing ring, int qLimbs, boolean special) {
        return 8L * ring.n() * (qLimbs + (special ? ring.pCount() : 0));
    }

    static String limbName(RnsRing ring, int i, int qLimbs) {
        return i < qLimbs ? "q_" + i : "p_" + (i - qLimbs);
    }

    /**
     * Checks the shape and range of host limbs before writing (a writer-side check: throws
     * {@link IllegalArgumentException} naming the offending limb).
     */
    static void checkShape(RnsRing ring, long[][] limbs, int qLimbs, boolean special, String what) {
        int expected = qLimbs + (special ? ring.pCount() : 0);
        if (limbs == null || limbs.length != expected) {
            throw new IllegalArgumentException(what + " has " + (limbs == null ? "no" : limbs.length)
                    + " limbs; these parameters need " + expected);
        }
        for (int i = 0; i < expected; i++) {
            if (limbs[i] == null || limbs[i].length != ring.n()) {
                throw new IllegalArgumentException(what + ": limb " + i + " does not have N = " + ring.n()
                        + " coefficients");
            }
            long q = ring.limbModulus(i, qLimbs).value();
            for (int k = 0; k < ring.n(); k++) {
                if (limbs[i][k] < 0 || limbs[i][k] >= q) {
                    throw new IllegalArgumentException(what + ": limb " + i + " coefficient " + k + " = "
                            + limbs[i][k] + " is not a residue modulo " + limbName(ring, i, qLimbs) + " = " + q);
                }
            }
        }
    }

    static void write(ByteSink sink, RnsRing ring, long[][] limbs, int qLimbs) {
        for (int i = 0; i < limbs.length; i++) {
            sink.packed(limbs[i], ring.limbModulus(i, qLimbs).bits());
        }
    }

    /** Reads a polynomial whose size the caller has already checked against the remaining body. */
    static long[][] read(ByteSource in, RnsRing ring, int qLimbs, boolean special, String what) {
        int limbs = qLimbs + (special ? ring.pCount() : 0);
        long[][] out = new long[limbs][];
        for (int i = 0; i < limbs; i++) {
            Modulus m = ring.limbModulus(i, qLimbs);
            out[i] = in.packed(ring.n(), m.bits(), m.value(), what + "limb " + i, limbName(ring, i, qLimbs));
        }
        return out;
    }
}
