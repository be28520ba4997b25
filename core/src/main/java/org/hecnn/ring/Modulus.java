package org.hecnn.ring;

/**
 * One word-sized prime modulus q &lt; 2^61 with the constants for Barrett and Shoup reduction.
 *
 * <p>All residues handled by the ring layer are non-negative longs; because q &lt; 2^61, lazy values up
 * to 4q still fit in a signed long, so plain signed comparisons are valid everywhere.
 */
public final class Modulus {
    /** Largest supported bit size of a modulus. */
    public static final int MAX_BITS = 61;

    private final long value;
    private final int bits;
    /** floor(2^(2*bits) / q), used by {@link #reduceProduct}. */
    private final long barrettMu;
    /** floor(2^64 / q), the Shoup companion of 1. */
    private final long oneShoup;
    /** 2^64 mod q. */
    private final long twoTo64;
    /** q^-1 mod 2^64 (q is odd), for exact division by q. */
    private final long inverse64;

    public Modulus(long value) {
        if (value < 3 || 64 - Long.numberOfLeadingZeros(value) > MAX_BITS) {
            throw new IllegalArgumentException("modulus must be in [3, 2^" + MAX_BITS + "), got " + value);
        }
        this.value = value;
        this.bits = 64 - Long.numberOfLeadingZeros(value);
        this.barrettMu = java.math.BigInteger.ONE.shiftLeft(2 * bits)
                .divide(java.math.BigInteger.valueOf(value)).longValueExact();
        this.oneShoup = java.math.BigInteger.ONE.shiftLeft(64).divide(java.math.BigInteger.valueOf(value))
                .longValue();
        this.twoTo64 = -oneShoup * value;
        long inv = value;
        for (int i = 0; i < 6; i++) {
            inv *= 2 - value * inv;
        }
        this.inverse64 = inv;
    }

    public long value() {
        return value;
    }

    public int bits() {
        return bits;
    }

    public long add(long a, long b) {
        long s = a + b;
        return s >= value ? s - value : s;
    }

    public long sub(long a, long b) {
        long d = a - b;
        return d < 0 ? d + value : d;
    }

    public long negate(long a) {
        return a == 0 ? 0 : value - a;
    }

    /** Reduces any long (also negative) into [0, q). */
    public long reduce(long a) {
        long r = a % value;
        return r < 0 ? r + value : r;
    }

    /** Reduces a non-negative long into [0, q) (Shoup multiplication by 1: no division). */
    public long reduceWord(long a) {
        return mulShoup(a, 1, oneShoup);
    }

    /** Reduces any long (also negative) into [0, q) without a division. */
    public long reduceSigned(long a) {
        return a >= 0 ? reduceWord(a) : negate(reduceWord(-a));
    }

    /** a*b mod q for a, b in [0, q). */
    public long mul(long a, long b) {
        return reduceProduct(Math.multiplyHigh(a, b), a * b);
    }

    /**
     * Reduces the 128-bit value hi*2^64 + lo, which must be below q^2 * 4, into [0, q) with Barrett's method.
     */
    public long reduceProduct(long hi, long lo) {
        int shift = bits - 1;
        // x >> (bits - 1): fits in 63 bits because x < 4 q^2 < 2^(2 bits + 2).
        long x1 = (hi << (64 - shift)) | (lo >>> shift);
        long pHi = Math.multiplyHigh(x1, barrettMu);
        long pLo = x1 * barrettMu;
        long quotient = (pHi << (63 - bits)) | (pLo >>> (bits + 1));
        long r = lo - quotient * value;
        while (r >= value) {
            r -= value;
        }
        return r;
    }

    /**
     * Precomputes floor(w * 2^64 / q) for Shoup multiplication by the constant w in [0, q), without division:
     * w·2^64 = w·floor(2^64/q)·q + w·(2^64 mod q), and the second term's quotient is an exact division by q.
     */
    public long shoup(long w) {
        long hi = Math.multiplyHigh(w, twoTo64);
        long lo = w * twoTo64;
        long r = reduceProduct(hi, lo);
        return w * oneShoup + (lo - r) * inverse64;
    }

    /** a*w mod q in [0, 2q) for any a below 2^63 and a constant w with its Shoup companion. */
    public long mulShoupLazy(long a, long w, long wShoup) {
        long quotient = Math.unsignedMultiplyHigh(a, wShoup);
        return a * w - quotient * value;
    }

    /** a*w mod q in [0, q) with Shoup's method. */
    public long mulShoup(long a, long w, long wShoup) {
        long r = mulShoupLazy(a, w, wShoup);
        return r >= value ? r - value : r;
    }

    public long pow(long base, long exponent) {
        long result = 1;
        long b = base % value;
        long e = exponent;
        while (e > 0) {
            if ((e & 1) != 0) {
                result = mul(result, b);
            }
            b = mul(b, b);
            e >>>= 1;
        }
        return result;
    }

    /** Multiplicative inverse of a non-zero residue (q is prime). */
    public long inverse(long a) {
        long r = reduce(a);
        if (r == 0) {
            throw new ArithmeticException("0 has no inverse modulo " + value);
        }
        return pow(r, value - 2);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Modulus m && m.value == value;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value);
    }

    @Override
    public String toString() {
        return "q=" + value + " (" + bits + " bits)";
    }
}
