package org.hecnn.io;

/**
 * Bounds-checked little-endian reader over a region of a byte array. Every read checks that enough bytes remain
 * and otherwise throws {@link MalformedDataException} naming the offset; nothing is allocated from a value read.
 */
final class ByteSource {
    private final byte[] data;
    private final int end;
    private final String what;
    private int pos;

    ByteSource(byte[] data, int start, int end, String what) {
        this.data = data;
        this.pos = start;
        this.end = end;
        this.what = what;
    }

    String what() {
        return what;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return end - pos;
    }

    byte[] array() {
        return data;
    }

    void need(long n) {
        if (n > end - pos) {
            throw new MalformedDataException(what + ": truncated: expected " + n + " more bytes at offset " + pos
                    + " but only " + (end - pos) + " remain");
        }
    }

    void skip(int n) {
        need(n);
        pos += n;
    }

    int u8() {
        need(1);
        return data[pos++] & 0xff;
    }

    int u16() {
        need(2);
        int v = (short) ByteSink.SHORT_LE.get(data, pos) & 0xffff;
        pos += 2;
        return v;
    }

    long u32() {
        need(4);
        long v = (int) ByteSink.INT_LE.get(data, pos) & 0xffffffffL;
        pos += 4;
        return v;
    }

    long u64() {
        need(8);
        long v = (long) ByteSink.LONG_LE.get(data, pos);
        pos += 8;
        return v;
    }

    double f64() {
        return Double.longBitsToDouble(u64());
    }

    byte[] bytes(int n) {
        need(n);
        byte[] out = java.util.Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return out;
    }

    /** Throws unless exactly {@code expected} bytes remain (checked before the reader allocates for them). */
    void expectRemaining(long expected, String shape) {
        if (expected != end - pos) {
            throw new MalformedDataException(what + ": " + shape + " needs " + expected + " more bytes at offset "
                    + pos + " but the body has " + (end - pos) + (expected > end - pos ? ": truncated or hostile"
                    : ": unexpected extra bytes") + " (the data is corrupt)");
        }
    }

    void expectEnd() {
        if (pos != end) {
            throw new MalformedDataException(what + ": " + (end - pos) + " unexpected bytes at offset " + pos
                    + " after the end of the body: the data is corrupt");
        }
    }

    /** Reads one reserved byte that must be zero. */
    void reservedZero(String field) {
        int at = pos;
        int v = u8();
        if (v != 0) {
            throw new MalformedDataException(what + ": reserved " + field + " at offset " + at + " is " + v
                    + ", not 0: the data is corrupt or from a newer writer");
        }
    }

    /**
     * Unpacks {@code n} values of {@code bits} bits each (the layout of {@link ByteSink#packed}), checking each
     * against {@code modulus} and that the padding bits are zero. {@code label} names the limb in messages.
     */
    long[] packed(int n, int bits, long modulus, String label, String modulusName) {
        long bytes = ((long) n * bits + 7) / 8;
        need(bytes);
        int start = pos;
        int limbEnd = (int) (start + bytes);
        long[] out = new long[n];
        long mask = (1L << bits) - 1;
        long bitPos = 0;
        for (int k = 0; k < n; k++, bitPos += bits) {
            int byteIdx = start + (int) (bitPos >>> 3);
            int shift = (int) (bitPos & 7);
            long v;
            if (byteIdx + 9 <= limbEnd) {
                v = (long) ByteSink.LONG_LE.get(data, byteIdx) >>> shift;
                if (shift + bits > 64) {
                    v |= (long) (data[byteIdx + 8] & 0xff) << (64 - shift);
                }
            } else {
                v = 0;
                for (int b = 0; b < 9 && byteIdx + b < limbEnd; b++) {
                    long byteVal = data[byteIdx + b] & 0xffL;
                    int s = 8 * b - shift;
                    v |= s >= 0 ? (s < 64 ? byteVal << s : 0) : byteVal >>> -s;
                }
            }
            v &= mask;
            if (Long.compareUnsigned(v, modulus) >= 0) {
                throw new MalformedDataException(what + ": " + label + " coefficient " + k + " = " + v
                        + " is not below its modulus " + modulusName + " = " + modulus + ": the data is corrupt");
            }
            out[k] = v;
        }
        int usedBits = (int) (((long) n * bits) & 7);
        if (usedBits != 0 && (data[limbEnd - 1] & 0xff) >>> usedBits != 0) {
            throw new MalformedDataException(what + ": " + label + " has nonzero padding bits in its last byte at "
                    + "offset " + (limbEnd - 1) + ": the data is corrupt");
        }
        pos = limbEnd;
        return out;
    }
}
