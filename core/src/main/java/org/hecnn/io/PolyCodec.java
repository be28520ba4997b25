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
     * Checks the shape of host limbs before writing (a writer-side check: throws {@link IllegalArgumentException}
     * naming the offending limb); {@link #write} checks the range of every coefficient as it packs it.
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
        }
    }

    /**
     * Packs limbs whose shape {@link #checkShape} accepted, every coefficient checked to be a residue of its limb's
     * modulus (else {@link IllegalArgumentException}, the lowest offending limb). Limbs occupy whole bytes when N is
     * a multiple of 8, so they are then packed in parallel.
     */
    static void write(ByteSink sink, RnsRing ring, long[][] limbs, int qLimbs, String what) {
        int[] offsets = new int[limbs.length + 1];
        offsets[0] = sink.position();
        for (int i = 0; i < limbs.length; i++) {
            offsets[i + 1] = (int) (offsets[i] + limbBytes(ring.n(), ring.limbModulus(i, qLimbs).bits()));
        }
        forEachLimb(limbs.length, ring.n() % 8 == 0, i -> {
            Modulus m = ring.limbModulus(i, qLimbs);
            int bad = new ByteSink(sink.array(), offsets[i]).packedResidues(limbs[i], m.bits(), m.value());
            if (bad >= 0) {
                throw new IllegalArgumentException(what + ": limb " + i + " coefficient " + bad + " = "
                        + limbs[i][bad] + " is not a residue modulo " + limbName(ring, i, qLimbs) + " = "
                        + m.value());
            }
        });
        sink.skip(offsets[limbs.length] - sink.position());
    }

    /**
     * Reads a polynomial whose size the caller has already checked against the remaining body; limbs are unpacked
     * in parallel when they occupy whole bytes, and a corrupt one is reported as the lowest such limb would be.
     */
    static long[][] read(ByteSource in, RnsRing ring, int qLimbs, boolean special, String what) {
        int limbs = qLimbs + (special ? ring.pCount() : 0);
        long[][] out = new long[limbs][];
        int[] offsets = new int[limbs + 1];
        offsets[0] = in.position();
        for (int i = 0; i < limbs; i++) {
            offsets[i + 1] = (int) (offsets[i] + limbBytes(ring.n(), ring.limbModulus(i, qLimbs).bits()));
        }
        in.need(offsets[limbs] - offsets[0]);
        forEachLimb(limbs, ring.n() % 8 == 0, i -> {
            Modulus m = ring.limbModulus(i, qLimbs);
            out[i] = new ByteSource(in.array(), offsets[i], offsets[i + 1], in.what())
                    .packed(ring.n(), m.bits(), m.value(), what + "limb " + i, limbName(ring, i, qLimbs));
        });
        in.skip(offsets[limbs] - offsets[0]);
        return out;
    }

    /**
     * Runs {@code body} for limbs 0..count-1, in parallel if allowed; if any throw, the exception of the lowest
     * limb is rethrown, as a sequential loop would have.
     */
    private static void forEachLimb(int count, boolean parallel, java.util.function.IntConsumer body) {
        if (!parallel || count < 2) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        RuntimeException[] failures = new RuntimeException[count];
        java.util.stream.IntStream.range(0, count).parallel().forEach(i -> {
            try {
                body.accept(i);
            } catch (RuntimeException e) {
                failures[i] = e;
            }
        });
        for (RuntimeException e : failures) {
            if (e != null) {
                throw e;
            }
        }
    }
}
