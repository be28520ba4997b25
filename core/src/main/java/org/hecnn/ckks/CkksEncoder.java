package org.hecnn.ckks;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.stream.IntStream;
import org.hecnn.backend.DevicePoly;
import org.hecnn.ring.Modulus;
import org.hecnn.ring.RnsBasis;
import org.hecnn.ring.RnsRing;

/**
 * Encodes vectors of up to N/2 real or complex numbers into plaintexts at any level and scale, and decodes
 * them back (canonical embedding through {@link SpecialFft}). Shorter vectors are padded with zeros.
 */
public final class CkksEncoder {
    private static final double LONG_SAFE = 0x1p62;

    private final CkksContext context;
    private final RnsRing ring;
    private final SpecialFft fft;

    public CkksEncoder(CkksContext context) {
        this.context = context;
        this.ring = context.ring();
        this.fft = new SpecialFft(ring.logN());
    }

    public int slots() {
        return fft.slots();
    }

    public Plaintext encode(double[] values, int level, double scale) {
        return encode(values, new double[0], level, scale);
    }

    /** Encodes the complex vector re + i·im at the given level and scale. */
    public Plaintext encode(double[] re, double[] im, int level, double scale) {
        checkLevel(level);
        return encodeCoefficients(coefficients(re, im, scale), level, scale);
    }

    /**
     * The first half of encoding: the integer coefficients (as doubles) of the polynomial whose slots are
     * re + i·im times {@code scale}. Callers that encode one vector at several levels keep these and call
     * {@link #encodeCoefficients} per level, skipping the FFT.
     */
    public double[] coefficients(double[] re, double[] im, double scale) {
        double[] r = paddedSlots(re, im, scale);
        double[] i = java.util.Arrays.copyOf(im, slots());
        // The butterflies only: read through the bit reversal, with the division by the size (a power of two)
        // folded exactly into the scale: bit for bit the textbook inverse divided by the size (SpecialFftTest).
        fft.inverseStages(r, i);
        int[] at = fft.bitReversal();
        double factor = scale / slots();
        int n = ring.n();
        int half = n / 2;
        double[] coeffs = new double[n];
        for (int k = 0; k < half; k++) {
            coeffs[k] = Math.rint(r[at[k]] * factor);
            coeffs[k + half] = Math.rint(i[at[k]] * factor);
        }
        return coeffs;
    }

    /**
     * {@link #coefficients} of two real slot vectors with one FFT instead of two. Real slots make a polynomial
     * whose coefficients satisfy c_(N−k) = −c_k (m(X) = m(X^-1) on every root), so the FFT of a + i·b separates
     * into the two transforms. Each result equals what {@link #coefficients} gives for that vector up to the last
     * bits of the floating-point transform (so a coefficient within about 1e-8 of a rounding tie may round the
     * other way); the antisymmetry itself holds exactly here.
     */
    public double[][] coefficientsOfTwoReal(double[] a, double[] b, double scale) {
        double[] r = paddedSlots(a, b, scale);
        double[] i = java.util.Arrays.copyOf(b, slots());
        // The butterflies only: the values are read below through the bit reversal, and the division by the size
        // (a power of two) is folded exactly into the scale, as in coefficients().
        fft.inverseStages(r, i);
        int[] at = fft.bitReversal();
        double factor = scale / slots();
        int half = ring.n() / 2;
        // With F(a) = a1 + i·b1 and F(b) = a2 + i·b2, b1_k = −a1_(half−k) and b2_k = −a2_(half−k) (k ≥ 1),
        // b1_0 = b2_0 = 0: Re = a1 − b2 and Im = b1 + a2 give a1_m = (Re_m − Im_k) / 2 and a2_k = (Re_m + Im_k) / 2
        // for m = half − k.
        double[] first = new double[ring.n()];
        double[] second = new double[ring.n()];
        first[0] = Math.rint(r[at[0]] * factor);
        second[0] = Math.rint(i[at[0]] * factor);
        for (int k = 1; k < half; k++) {
            int m = half - k;
            double rm = r[at[m]];
            double ik = i[at[k]];
            double a1 = Math.rint((rm - ik) * 0.5 * factor);
            double a2 = Math.rint((rm + ik) * 0.5 * factor);
            first[m] = a1;
            first[half + k] = -a1;
            second[k] = a2;
            second[half + m] = -a2;
        }
        return new double[][] {first, second};
    }

    /**
     * Checks a pair of slot vectors (at most {@link #slots()} each, finite) and the scale (finite, at least 1);
     * returns the first padded with zeros to the slot count.
     */
    private double[] paddedSlots(double[] first, double[] second, double scale) {
        if (first.length > slots() || second.length > slots()) {
            throw new IllegalArgumentException("at most " + slots() + " slots, got "
                    + Math.max(first.length, second.length));
        }
        if (!(scale >= 1) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be finite and >= 1, got " + scale);
        }
        for (int k = 0; k < slots(); k++) {
            double x = k < first.length ? first[k] : 0;
            double y = k < second.length ? second[k] : 0;
            if (!Double.isFinite(x) || !Double.isFinite(y)) {
                throw new IllegalArgumentException("slot " + k + " is not a finite number");
            }
        }
        return java.util.Arrays.copyOf(first, slots());
    }

    /** The second half of encoding: integer coefficients (from {@link #coefficients}) to a plaintext. */
    public Plaintext encodeCoefficients(double[] integerCoefficients, int level, double scale) {
        checkLevel(level);
        if (integerCoefficients.length != ring.n()) {
            throw new IllegalArgumentException("expected " + ring.n() + " coefficients, got "
                    + integerCoefficients.length);
        }
        long[][] limbs = toResidues(integerCoefficients, level + 1);
        DevicePoly p = context.engine().upload(limbs, level + 1, false);
        context.engine().forwardNtt(p);
        return new Plaintext(context, p, scale);
    }

    /**
     * As {@link #encodeCoefficients} for coefficients that fit 32-bit integers (a plaintext kept compactly between
     * uses): the engine reduces them modulo each prime itself.
     */
    public Plaintext encodeIntegers(int[] integerCoefficients, int level, double scale) {
        return encodeIntegers(java.lang.foreign.MemorySegment.ofArray(integerCoefficients), level, scale);
    }

    /** As above for N integers in the platform's byte order anywhere in memory (a mapped file, say). */
    public Plaintext encodeIntegers(java.lang.foreign.MemorySegment integerCoefficients, int level, double scale) {
        checkLevel(level);
        DevicePoly p = context.engine().uploadIntegers(integerCoefficients, level + 1);
        context.engine().forwardNtt(p);
        return new Plaintext(context, p, scale);
    }

    private void checkLevel(int level) {
        if (level < 0 || level >= ring.qCount()) {
            throw new LevelMismatchException("level " + level + " does not exist: this parameter set has levels 0.."
                    + (ring.qCount() - 1));
        }
    }

    private long[][] toResidues(double[] coeffs, int qLimbs) {
        long[][] limbs = new long[qLimbs][coeffs.length];
        IntStream.range(0, coeffs.length).parallel().forEach(k -> {
            double v = coeffs[k];
            if (Math.rint(v) != v) {
                throw new IllegalArgumentException("coefficient " + k + " is not an integer: " + v);
            }
            if (Math.abs(v) < LONG_SAFE) {
                long x = (long) v;
                for (int i = 0; i < qLimbs; i++) {
                    limbs[i][k] = ring.q(i).reduceSigned(x);
                }
            } else {
                BigInteger x = new BigDecimal(v).toBigInteger();
                for (int i = 0; i < qLimbs; i++) {
                    limbs[i][k] = x.mod(BigInteger.valueOf(ring.q(i).value())).longValue();
                }
            }
        });
        return limbs;
    }

    /** Decodes to real parts. */
    public double[] decode(Plaintext pt) {
        return decodeComplex(pt)[0];
    }

    /** Decodes to {real parts, imaginary parts}. */
    public double[][] decodeComplex(Plaintext pt) {
        context.checkOwner(pt.context(), "plaintext");
        DevicePoly copy = context.engine().copy(pt.poly());
        context.engine().inverseNtt(copy);
        long[][] limbs = context.engine().download(copy);
        copy.close();
        int n = ring.n();
        int half = n / 2;
        double[] coeffs = centredCoefficients(limbs);
        double[] r = new double[half];
        double[] i = new double[half];
        for (int k = 0; k < half; k++) {
            r[k] = coeffs[k] / pt.scale();
            i[k] = coeffs[k + half] / pt.scale();
        }
        fft.forward(r, i);
        return new double[][] {r, i};
    }

    private double[] centredCoefficients(long[][] limbs) {
        int n = ring.n();
        double[] out = new double[n];
        if (limbs.length == 1) {
            Modulus q = ring.q(0);
            long halfQ = q.value() >>> 1;
            for (int k = 0; k < n; k++) {
                long v = limbs[0][k];
                out[k] = v > halfQ ? (double) (v - q.value()) : (double) v;
            }
            return out;
        }
        RnsBasis basis = ring.basis(limbs.length, false);
        IntStream.range(0, n).parallel().forEach(k -> {
            long[] residues = new long[limbs.length];
            for (int i = 0; i < limbs.length; i++) {
                residues[i] = limbs[i][k];
            }
            out[k] = basis.composeCentered(residues).doubleValue();
        });
        return out;
    }
}
