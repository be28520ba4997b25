package org.hecnn.io;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian writer into a byte array of exactly the size the object needs. */
final class ByteSink {
    static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] buf;
    private int pos;

    ByteSink(byte[] buf, int pos) {
        this.buf = buf;
        this.pos = pos;
    }

    int position() {
        return pos;
    }

    byte[] array() {
        return buf;
    }

    void u8(int v) {
        buf[pos++] = (byte) v;
    }

    void u16(int v) {
        SHORT_LE.set(buf, pos, (short) v);
        pos += 2;
    }

    void u32(long v) {
        INT_LE.set(buf, pos, (int) v);
        pos += 4;
    }

    void u64(long v) {
        LONG_LE.set(buf, pos, v);
        pos += 8;
    }

    void f64(double v) {
        u64(Double.doubleToRawLongBits(v));
    }

    void bytes(byte[] b) {
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    /** Advances past {@code n} bytes written by others (slices of this array). */
    void skip(int n) {
        pos += n;
    }

    /**
     * Appends the values bit-packed at {@code bits} bits (ceil(n·bits/8) bytes), checking each is in [0, modulus):
     * returns the index of the first that is not (the bytes written are then meaningless), or −1.
     */
    int packedResidues(long[] values, long bits, long modulus) {
        long acc = 0;
        int accBits = 0;
        int width = (int) bits;
        for (int k = 0; k < values.length; k++) {
            long v = values[k];
            if (Long.compareUnsigned(v, modulus) >= 0) {
                return k;
            }
            acc |= v << accBits;
            int total = accBits + width;
            if (total >= 64) {
                LONG_LE.set(buf, pos, acc);
                pos += 8;
                acc = accBits == 0 ? 0 : v >>> (64 - accBits);
                accBits = total - 64;
            } else {
                accBits = total;
            }
        }
        while (accBits > 0) {
            buf[pos++] = (byte) acc;
            acc >>>= 8;
            accBits -= 8;
        }
        return -1;
    }
}
