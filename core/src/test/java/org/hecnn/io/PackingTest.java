package org.hecnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Bit packing at every width 1..61: exact round trips, exact sizes, range and padding checks. */
class PackingTest {
    @Test
    void roundTripsAtEveryWidth() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int bits = 1; bits <= 61; bits++) {
            for (int trial = 0; trial < 20; trial++) {
                int n = 1 + rnd.nextInt(300);
                long modulus = bits == 1 ? 2 : (1L << (bits - 1)) + 1 + rnd.nextLong((1L << (bits - 1)) - 1);
                long[] values = new long[n];
                for (int k = 0; k < n; k++) {
                    values[k] = switch (rnd.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> modulus - 1;
                        default -> rnd.nextLong(modulus);
                    };
                }
                int lead = rnd.nextInt(9);
                int bytes = (int) PolyCodec.limbBytes(n, bits);
                byte[] buf = new byte[lead + bytes + 5];
                ByteSink sink = new ByteSink(buf, lead);
                sink.packed(values, bits);
                assertEquals(lead + bytes, sink.position(), "bits " + bits + " n " + n);
                ByteSource src = new ByteSource(buf, lead, lead + bytes, "test");
                assertArrayEquals(values, src.packed(n, bits, modulus, "limb", "q"), "bits " + bits + " n " + n);
                assertEquals(0, src.remaining());
            }
        }
    }

    @Test
    void valueAtOrAboveTheModulusIsRefused() {
        long[] values = {1, 2, 1000, 5};
        byte[] buf = new byte[(int) PolyCodec.limbBytes(4, 11)];
        new ByteSink(buf, 0).packed(values, 11);
        MalformedDataException e = assertThrows(MalformedDataException.class,
                () -> new ByteSource(buf, 0, buf.length, "ciphertext").packed(4, 11, 1000, "part 0 limb 3", "q_3"));
        assertEquals("ciphertext: part 0 limb 3 coefficient 2 = 1000 is not below its modulus q_3 = 1000: the data "
                + "is corrupt", e.getMessage());
    }

    @Test
    void nonzeroPaddingIsRefused() {
        long[] values = {1, 2, 3};
        byte[] buf = new byte[(int) PolyCodec.limbBytes(3, 5)];
        new ByteSink(buf, 0).packed(values, 5);
        buf[1] |= (byte) 0x80;
        MalformedDataException e = assertThrows(MalformedDataException.class,
                () -> new ByteSource(buf, 0, buf.length, "x").packed(3, 5, 31, "limb 0", "q_0"));
        assertTrue(e.getMessage().contains("padding"), e.getMessage());
    }

    @Test
    void truncatedLimbIsRefused() {
        byte[] buf = new byte[10];
        MalformedDataException e = assertThrows(MalformedDataException.class,
                () -> new ByteSource(buf, 0, buf.length, "ciphertext").packed(8, 20, 1 << 20, "limb 0", "q_0"));
        assertEquals("ciphertext: truncated: expected 20 more bytes at offset 0 but only 10 remain", e.getMessage());
    }
}
