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
                assertEquals(-1, sink.packedResidues(values, bits, modulus));
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
        assertEquals(-1, new ByteSink(buf, 0).packedResidues(values, 11, 1 << 11));
        MalformedDataException e = assertThrows(MalformedDataException.class,
                () -> new ByteSource(buf, 0, buf.length, "ciphertext").packed(4, 11, 1000, "part 0 limb 3", "q_3"));
        assertEquals("ciphertext: part 0 limb 3 coefficient 2 = 1000 is not below its modulus q_3 = 1000: the data "
                + "is corrupt", e.getMessage());
    }

    @Test
    void writerReportsTheFirstValueThatIsNotAResidue() {
        byte[] buf = new byte[(int) PolyCodec.limbBytes(5, 11)];
        assertEquals(2, new ByteSink(buf, 0).packedResidues(new long[] {1, 999, 1000, -1, 5}, 11, 1000));
        assertEquals(0, new ByteSink(buf, 0).packedResidues(new long[] {-1, 2, 3, 4, 5}, 11, 1000));
    }

    @Test
    void nonzeroPaddingIsRefused() {
        long[] values = {1, 2, 3};
        byte[] buf = new byte[(int) PolyCodec.limbBytes(3, 5)];
        assertEquals(-1, new ByteSink(buf, 0).packedResidues(values, 5, 31));
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

    @Test
    void polynomialWriterNamesTheLowestLimbWithANonResidue() {
        org.hecnn.ring.RnsRing ring = IoFixtures.get().ctx.ring();
        int ql = ring.qCount();
        long[][] limbs = new long[ql][ring.n()];
        limbs[ql - 1][7] = ring.limbModulus(ql - 1, ql).value();
        limbs[1][3] = -5;
        byte[] buf = new byte[(int) PolyCodec.bytes(ring, ql, false)];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PolyCodec.write(new ByteSink(buf, 0), ring, limbs, ql, "ciphertext part 0"));
        assertEquals("ciphertext part 0: limb 1 coefficient 3 = -5 is not a residue modulo q_1 = "
                + ring.limbModulus(1, ql).value(), e.getMessage());
    }

    @Test
    void polynomialRoundTripsAndItsLowestCorruptLimbIsReported() {
        org.hecnn.ring.RnsRing ring = IoFixtures.get().ctx.ring();
        int ql = ring.qCount();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        long[][] limbs = new long[ql + ring.pCount()][ring.n()];
        for (int i = 0; i < limbs.length; i++) {
            long q = ring.limbModulus(i, ql).value();
            for (int k = 0; k < ring.n(); k++) {
                limbs[i][k] = rnd.nextLong(q);
            }
        }
        int lead = 3;
        byte[] buf = new byte[lead + (int) PolyCodec.bytes(ring, ql, true)];
        ByteSink sink = new ByteSink(buf, lead);
        PolyCodec.write(sink, ring, limbs, ql, "key");
        assertEquals(buf.length, sink.position());
        ByteSource src = new ByteSource(buf, lead, buf.length, "key");
        assertArrayEquals(limbs, PolyCodec.read(src, ring, ql, true, "digit 0 "));
        assertEquals(0, src.remaining());
        // Set every bit of one value in limb 1 and in the last limb: both exceed their moduli (of fewer bits).
        int bits1 = ring.limbModulus(1, ql).bits();
        int start1 = lead + (int) PolyCodec.limbBytes(ring.n(), ring.limbModulus(0, ql).bits());
        java.util.Arrays.fill(buf, start1, start1 + bits1, (byte) 0xff);
        java.util.Arrays.fill(buf, buf.length - 16, buf.length, (byte) 0xff);
        MalformedDataException e = assertThrows(MalformedDataException.class,
                () -> PolyCodec.read(new ByteSource(buf, lead, buf.length, "key"), ring, ql, true, "digit 0 "));
        assertTrue(e.getMessage().startsWith("key: digit 0 limb 1 coefficient "), e.getMessage());
    }
}
