package org.hecnn.ckks;

/**
 * Named 128-bit-secure parameter sets used by the demo and the benchmarks. Each keeps every key-switching digit
 * below the special modulus P and stays within the HomomorphicEncryption.org bound for its N.
 */
public final class StandardParameters {
    private StandardParameters() {
    }

    /** N = 2^14, 8 data primes (50 + 7×40 bits), P = 2×54 bits, dnum 4, Δ = 2^40: log QP 438. */
    public static CkksParameters n14() {
        return CkksParameters.builder().logN(14).dataPrimeBits(50, 40, 40, 40, 40, 40, 40, 40)
                .specialPrimeBits(54, 54).dnum(4).scaleBits(40).build();
    }

    /** N = 2^15, 15 data primes (55 + 14×48 bits), P = 52+51+51 bits, dnum 5, Δ = 2^48: log QP 881. */
    public static CkksParameters n15() {
        int[] data = new int[15];
        java.util.Arrays.fill(data, 48);
        data[0] = 55;
        return CkksParameters.builder().logN(15).dataPrimeBits(data).specialPrimeBits(52, 51, 51).dnum(5)
                .scaleBits(48).build();
    }

    /** N = 2^16, 24 data primes (60 + 23×56 bits), P = 6×61 bits, dnum 4, Δ = 2^56: log QP 1714. */
    public static CkksParameters n16() {
        int[] data = new int[24];
        java.util.Arrays.fill(data, 56);
        data[0] = 60;
        return CkksParameters.builder().logN(16).dataPrimeBits(data).specialPrimeBits(61, 61, 61, 61, 61, 61)
                .dnum(4).scaleBits(56).build();
    }

    /** The set for a ring degree: 14, 15 or 16. */
    public static CkksParameters forLogN(int logN) {
        return switch (logN) {
            case 14 -> n14();
            case 15 -> n15();
            case 16 -> n16();
            default -> throw new InvalidParametersException("standard sets exist for logN 14, 15, 16, not " + logN);
        };
    }
}
