package org.hecnn.ckks;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.hecnn.ring.Primes;
import org.hecnn.ring.RnsRing;

/**
 * An RNS-CKKS parameter set: ring degree N = 2^logN, the data primes q_0..q_L (rescaling drops them from the
 * end), the special primes P for hybrid key switching with {@code dnum} digits, and the default scale Δ.
 *
 * <p>Sets are checked against the HomomorphicEncryption.org 128-bit table ({@link SecurityStandard}); a weaker
 * set is refused unless the builder's {@link Builder#allowInsecureForTestsOnly()} was called.
 */
public final class CkksParameters {
    private final int logN;
    private final List<Long> dataPrimes;
    private final List<Long> specialPrimes;
    private final int dnum;
    private final double defaultScale;
    private final boolean insecure;
    private final byte[] fingerprint;
    private volatile RnsRing ring;

    private CkksParameters(int logN, List<Long> dataPrimes, List<Long> specialPrimes, int dnum,
                           double defaultScale, boolean allowInsecure) {
        if (logN < 4 || logN > 16) {
            throw new InvalidParametersException("logN must be in [10, 16] (4..9 only for insecure tests), got "
                    + logN);
        }
        if (dataPrimes.isEmpty()) {
            throw new InvalidParametersException("at least one data prime is required");
        }
        if (specialPrimes.isEmpty()) {
            throw new InvalidParametersException("at least one special prime is required for key switching");
        }
        if (dnum < 1 || dnum > dataPrimes.size()) {
            throw new InvalidParametersException("dnum must be in [1, number of data primes = "
                    + dataPrimes.size() + "], got " + dnum);
        }
        if (!(defaultScale >= 2) || Double.isInfinite(defaultScale)) {
            throw new InvalidParametersException("the default scale must be a finite number >= 2, got "
                    + defaultScale);
        }
        List<Long> all = new ArrayList<>(dataPrimes);
        all.addAll(specialPrimes);
        if (all.stream().distinct().count() != all.size()) {
            throw new InvalidParametersException("primes must be distinct: " + all);
        }
        for (long q : all) {
            if (!Primes.isPrime(q) || (q - 1) % (2L << logN) != 0 || 64 - Long.numberOfLeadingZeros(q) > 61) {
                throw new InvalidParametersException(q + " is not a prime ≡ 1 mod 2N below 2^61 for N = 2^" + logN);
            }
        }
        long maxData = dataPrimes.stream().mapToLong(Long::longValue).max().orElseThrow();
        double logP = specialPrimes.stream().mapToDouble(p -> Math.log(p) / Math.log(2)).sum();
        if (logP < Math.log(maxData) / Math.log(2)) {
            throw new InvalidParametersException(String.format(
                    "the special primes (%.1f bits in all) must exceed the largest data prime (%d bits), else key "
                            + "switching noise swamps the data: add or enlarge special primes",
                    logP, 64 - Long.numberOfLeadingZeros(maxData)));
        }
        this.logN = logN;
        this.dataPrimes = List.copyOf(dataPrimes);
        this.specialPrimes = List.copyOf(specialPrimes);
        this.dnum = dnum;
        this.defaultScale = defaultScale;
        int logQP = logQP();
        boolean secure = logN >= 10 && logQP <= SecurityStandard.maxLogQP(logN);
        if (!secure && !allowInsecure) {
            int needed = SecurityStandard.minLogN(logQP);
            throw new InsecureParametersException("log QP = " + logQP + " bits at N = 2^" + logN
                    + " is below 128-bit security (HomomorphicEncryption.org table allows "
                    + (logN >= 10 ? SecurityStandard.maxLogQP(logN) : 0) + " bits). Use fewer or smaller primes"
                    + (needed > 0 ? " or N = 2^" + needed : "")
                    + "; for tests only, opt in with allowInsecureForTestsOnly()");
        }
        this.insecure = !secure;
        this.fingerprint = computeFingerprint();
    }

    public static Builder builder() {
        return new Builder();
    }

    public int logN() {
        return logN;
    }

    public int n() {
        return 1 << logN;
    }

    /** Number of complex slots, N/2. */
    public int slots() {
        return 1 << (logN - 1);
    }

    public List<Long> dataPrimes() {
        return dataPrimes;
    }

    public List<Long> specialPrimes() {
        return specialPrimes;
    }

    /** Requested number of key-switching digits. */
    public int dnum() {
        return dnum;
    }

    public double defaultScale() {
        return defaultScale;
    }

    /** Highest level: a fresh ciphertext has maxLevel() + 1 data limbs. */
    public int maxLevel() {
        return dataPrimes.size() - 1;
    }

    /** Total bit size of Q·P (sum of the primes' bit lengths), the quantity the security table bounds. */
    public int logQP() {
        int bits = 0;
        for (long q : dataPrimes) {
            bits += 64 - Long.numberOfLeadingZeros(q);
        }
        for (long p : specialPrimes) {
            bits += 64 - Long.numberOfLeadingZeros(p);
        }
        return bits;
    }

    /** True when this set is below 128-bit security (only possible through the test-only opt-in). */
    public boolean isInsecure() {
        return insecure;
    }

    /** SHA-256 over the ring-defining values: objects made under other parameters are refused by it. */
    public byte[] fingerprint() {
        return fingerprint.clone();
    }

    public String fingerprintHex() {
        return HexFormat.of().formatHex(fingerprint, 0, 8);
    }

    public RnsRing ring() {
        RnsRing r = ring;
        if (r == null) {
            synchronized (this) {
                if (ring == null) {
                    ring = new RnsRing(logN, dataPrimes, specialPrimes, dnum);
                }
                r = ring;
            }
        }
        return r;
    }

    private byte[] computeFingerprint() {
        ByteBuffer buf = ByteBuffer.allocate(64 + 8 * (dataPrimes.size() + specialPrimes.size()));
        buf.put("hecnn-ckks-v1".getBytes(StandardCharsets.US_ASCII));
        buf.putInt(logN).putInt(dnum).putInt(dataPrimes.size()).putInt(specialPrimes.size());
        dataPrimes.forEach(buf::putLong);
        specialPrimes.forEach(buf::putLong);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(buf.array(), 0, buf.position());
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return String.format("CKKS[N=2^%d, %d data primes %s, %d special, dnum=%d, scale=2^%.1f, logQP=%d%s, id=%s]",
                logN, dataPrimes.size(), bitsOf(dataPrimes), specialPrimes.size(), dnum,
                Math.log(defaultScale) / Math.log(2), logQP(), insecure ? ", INSECURE (tests only)" : "",
                fingerprintHex());
    }

    private static List<Integer> bitsOf(List<Long> primes) {
        return primes.stream().map(p -> 64 - Long.numberOfLeadingZeros(p)).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CkksParameters p && java.util.Arrays.equals(p.fingerprint, fingerprint)
                && p.defaultScale == defaultScale;
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(fingerprint);
    }

    /** Builds a parameter set from bit sizes (primes are generated deterministically) or explicit primes. */
    public static final class Builder {
        private int logN = 14;
        private int[] dataBits;
        private int[] specialBits;
        private List<Long> dataPrimes;
        private List<Long> specialPrimes;
        private int dnum = -1;
        private double scale = -1;
        private boolean allowInsecure;

        public Builder logN(int value) {
            this.logN = value;
            return this;
        }

        /** Bit sizes of q_0, q_1, ..., q_L (q_0 first; it is the last to remain). */
        public Builder dataPrimeBits(int... bits) {
            this.dataBits = bits.clone();
            return this;
        }

        public Builder specialPrimeBits(int... bits) {
            this.specialBits = bits.clone();
            return this;
        }

        /** Explicit primes (as read from a serialised parameter set). */
        public Builder primes(List<Long> data, List<Long> special) {
            this.dataPrimes = List.copyOf(data);
            this.specialPrimes = List.copyOf(special);
            return this;
        }

        /** Number of key-switching digits; default: as many as needed for digits of |P| primes each. */
        public Builder dnum(int value) {
            this.dnum = value;
            return this;
        }

        public Builder scale(double value) {
            this.scale = value;
            return this;
        }

        public Builder scaleBits(int bits) {
            this.scale = Math.scalb(1.0, bits);
            return this;
        }

        /** INSECURE: accept parameter sets below 128-bit security. For fast tests only, never for real data. */
        public Builder allowInsecureForTestsOnly() {
            this.allowInsecure = true;
            return this;
        }

        public CkksParameters build() {
            List<Long> data = dataPrimes;
            List<Long> special = specialPrimes;
            if (data == null) {
                if (dataBits == null || specialBits == null) {
                    throw new InvalidParametersException("give dataPrimeBits and specialPrimeBits, or primes");
                }
                try {
                    data = Primes.generate(logN, dataBits, List.of());
                    special = Primes.generate(logN, specialBits, data);
                } catch (IllegalArgumentException e) {
                    throw new InvalidParametersException(e.getMessage());
                }
            }
            int d = dnum > 0 ? dnum : Math.max(1, (data.size() + special.size() - 1) / special.size());
            d = Math.min(d, data.size());
            double s = scale > 0 ? scale : Math.scalb(1.0, 64 - Long.numberOfLeadingZeros(data.get(data.size() - 1)));
            return new CkksParameters(logN, data, special, d, s, allowInsecure);
        }
    }
}
