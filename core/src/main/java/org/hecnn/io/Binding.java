package org.hecnn.io;

import java.util.Arrays;
import java.util.HexFormat;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.ParameterMismatchException;

/** The 36-byte parameter binding that starts every non-parameter body (see {@link HecnnFormat}). */
final class Binding {
    private Binding() {
    }

    static void write(ByteSink sink, CkksParameters p) {
        sink.bytes(p.fingerprint());
        sink.u8(p.logN());
        sink.u8(p.dataPrimes().size());
        sink.u8(p.specialPrimes().size());
        sink.u8(0);
    }

    /** Throws unless the parameters fit in the binding's bytes (a writer-side check). */
    static void checkWritable(CkksParameters p) {
        if (p.dataPrimes().size() > HecnnFormat.MAX_PRIMES || p.specialPrimes().size() > HecnnFormat.MAX_PRIMES) {
            throw new IllegalArgumentException("the format holds at most " + HecnnFormat.MAX_PRIMES
                    + " primes of each kind");
        }
    }

    /**
     * Reads the binding and throws {@link ParameterMismatchException} unless the object was made under
     * {@code p}; reads nothing else and allocates nothing for the object.
     */
    static void check(ByteSource in, CkksParameters p) {
        byte[] fingerprint = in.bytes(32);
        int logN = in.u8();
        int dataCount = in.u8();
        int specialCount = in.u8();
        in.reservedZero("binding byte");
        if (!Arrays.equals(fingerprint, p.fingerprint())) {
            throw new ParameterMismatchException(in.what() + " was made for parameters N = 2^" + logN + " with "
                    + dataCount + " data primes and " + specialCount + " special primes (fingerprint "
                    + HexFormat.of().formatHex(fingerprint, 0, 8) + "), but it is being read with " + p
                    + ": read it with the parameters it was made for");
        }
        if (logN != p.logN() || dataCount != p.dataPrimes().size() || specialCount != p.specialPrimes().size()) {
            throw new MalformedDataException(in.what() + ": the binding says N = 2^" + logN + ", " + dataCount
                    + " data primes, " + specialCount + " special primes, which contradicts its fingerprint: the "
                    + "data is corrupt");
        }
    }
}
