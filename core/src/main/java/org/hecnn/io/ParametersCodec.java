package org.hecnn.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.InsecureParametersException;
import org.hecnn.ckks.InvalidParametersException;
import org.hecnn.io.HecnnFormat.ObjectType;
import org.hecnn.ring.Modulus;

/**
 * Parameter sets. Body (type {@link ObjectType#PARAMETERS}):
 *
 * <pre>
 * logN u8 | data prime count D u8 | special prime count K u8 | flags u8 (bit 0: insecure, tests only)
 * | requested dnum u32 | default scale f64 | D data primes u64 | K special primes u64 | fingerprint (32 bytes)
 * </pre>
 *
 * The reader rebuilds the set through {@link CkksParameters#builder()} (so every construction check runs again)
 * and requires the recomputed fingerprint to equal the stored one. A set below 128-bit security is only rebuilt
 * when the caller opts in; otherwise the {@link InsecureParametersException} of construction surfaces.
 */
public final class ParametersCodec {
    private static final int FIXED_BYTES = 4 + 4 + 8 + 32;

    private ParametersCodec() {
    }

    static long bodyBytes(int dataCount, int specialCount) {
        return FIXED_BYTES + 8L * (dataCount + specialCount);
    }

    /** Largest frame a parameter set can occupy. */
    static long maxFrameBytes() {
        return Frames.frameBytes(bodyBytes(HecnnFormat.MAX_PRIMES, HecnnFormat.MAX_PRIMES));
    }

    public static byte[] write(CkksParameters p) {
        Binding.checkWritable(p);
        return Frames.frame(ObjectType.PARAMETERS, bodyBytes(p.dataPrimes().size(), p.specialPrimes().size()), s -> {
            s.u8(p.logN());
            s.u8(p.dataPrimes().size());
            s.u8(p.specialPrimes().size());
            s.u8(p.isInsecure() ? 1 : 0);
            s.u32(p.dnum());
            s.f64(p.defaultScale());
            p.dataPrimes().forEach(s::u64);
            p.specialPrimes().forEach(s::u64);
            s.bytes(p.fingerprint());
        });
    }

    public static void write(CkksParameters p, OutputStream out) throws IOException {
        out.write(write(p));
    }

    /** Reads a parameter set that must meet 128-bit security. */
    public static CkksParameters read(byte[] data) {
        return read(data, false);
    }

    /**
     * Reads a parameter set. With {@code allowInsecureForTestsOnly} false, a set below 128-bit security throws
     * {@link InsecureParametersException}; true is for tests only, never for real data.
     */
    public static CkksParameters read(byte[] data, boolean allowInsecureForTestsOnly) {
        return parse(Frames.open(data, 0, ObjectType.PARAMETERS, true).body(), allowInsecureForTestsOnly);
    }

    /** Reads one parameter set from a stream (at most {@link HecnnFormat#MAX_PRIMES} primes of each kind). */
    public static CkksParameters read(InputStream in, boolean allowInsecureForTestsOnly) throws IOException {
        byte[] frame = Frames.readFrame(in, ObjectType.PARAMETERS, maxFrameBytes(),
                "the largest parameter set the format allows");
        return read(frame, allowInsecureForTestsOnly);
    }

    private static CkksParameters parse(ByteSource in, boolean allowInsecure) {
        int logN = in.u8();
        if (logN < 4 || logN > 16) {
            throw new MalformedDataException("parameters: logN = " + logN + " is outside 4..16: the data is corrupt");
        }
        int dataCount = in.u8();
        int specialCount = in.u8();
        if (dataCount < 1 || specialCount < 1) {
            throw new MalformedDataException("parameters: " + dataCount + " data and " + specialCount
                    + " special primes; at least one of each is required: the data is corrupt");
        }
        int flags = in.u8();
        if ((flags & ~1) != 0) {
            throw new MalformedDataException("parameters: unknown flags 0x" + Integer.toHexString(flags)
                    + ": the data is corrupt or from a newer writer");
        }
        boolean markedInsecure = (flags & 1) != 0;
        in.expectRemaining(bodyBytes(dataCount, specialCount) - 4, dataCount + " data and " + specialCount
                + " special primes");
        long dnum = in.u32();
        if (dnum < 1 || dnum > dataCount) {
            throw new MalformedDataException("parameters: dnum = " + dnum + " is outside 1.." + dataCount
                    + ": the data is corrupt");
        }
        double scale = in.f64();
        if (!(scale >= 2) || Double.isInfinite(scale)) {
            throw new MalformedDataException("parameters: default scale " + scale + " is not a finite number >= 2:"
                    + " the data is corrupt");
        }
        List<Long> data = primes(in, dataCount, "data");
        List<Long> special = primes(in, specialCount, "special");
        byte[] fingerprint = in.bytes(32);
        in.expectEnd();
        CkksParameters.Builder b = CkksParameters.builder().logN(logN).primes(data, special).dnum((int) dnum)
                .scale(scale);
        if (allowInsecure) {
            b.allowInsecureForTestsOnly();
        }
        CkksParameters p;
        try {
            p = b.build();
        } catch (InvalidParametersException e) {
            throw new MalformedDataException("parameters: the stored values do not form a valid set: "
                    + e.getMessage(), e);
        } catch (InsecureParametersException e) {
            throw new InsecureParametersException("the serialised parameter set is below 128-bit security"
                    + (markedInsecure ? " (it is marked test-only)" : "") + ": " + e.getMessage()
                    + "; ParametersCodec.read(data, true) reads it, for tests only");
        }
        if (!Arrays.equals(fingerprint, p.fingerprint())) {
            throw new MalformedDataException("parameters: the stored fingerprint does not match the stored values: "
                    + "the data is corrupt");
        }
        if (markedInsecure != p.isInsecure()) {
            throw new MalformedDataException("parameters: the set is marked " + (markedInsecure ? "insecure" : "secure")
                    + " but is " + (p.isInsecure() ? "insecure" : "secure") + " under this library's security table");
        }
        return p;
    }

    private static List<Long> primes(ByteSource in, int count, String kind) {
        List<Long> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int at = in.position();
            long q = in.u64();
            if (q < 3 || 64 - Long.numberOfLeadingZeros(q) > Modulus.MAX_BITS) {
                throw new MalformedDataException("parameters: " + kind + " prime " + i + " at offset " + at + " = "
                        + Long.toUnsignedString(q) + " is not in 3..2^" + Modulus.MAX_BITS + ": the data is corrupt");
            }
            out.add(q);
        }
        return out;
    }
}
