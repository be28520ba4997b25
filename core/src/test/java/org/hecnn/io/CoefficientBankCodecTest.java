package org.hecnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.ParameterMismatchException;
import org.junit.jupiter.api.Test;

/** Banks of integer plaintexts round-trip exactly, across frames, and every kind of damage is refused. */
class CoefficientBankCodecTest {
    private static CkksParameters params(int... dataBits) {
        return CkksParameters.builder().logN(10).dataPrimeBits(dataBits).specialPrimeBits(50).scaleBits(25)
                .allowInsecureForTestsOnly().build();
    }

    private static final CkksParameters P = params(40, 30, 30);
    private static final byte[] DIGEST = new byte[32];

    static {
        DIGEST[0] = 42;
    }

    private static List<CoefficientBankCodec.Bank> banks(Random r) {
        List<CoefficientBankCodec.Bank> banks = new ArrayList<>();
        int[] sizes = {3, 0, 1, 5};
        for (int b = 0; b < sizes.length; b++) {
            List<Object> coefficients = new ArrayList<>();
            for (int k = 0; k < sizes[b]; k++) {
                if (b == 3 && k == 2) {
                    coefficients.add(r.longs(P.n()).toArray()); // one plaintext whose coefficients need 64 bits
                } else {
                    coefficients.add(r.ints(P.n()).toArray());
                }
            }
            banks.add(new CoefficientBankCodec.Bank(b % 3, Math.scalb(1.0, 20 + b), coefficients));
        }
        return banks;
    }

    private static byte[] write(List<CoefficientBankCodec.Bank> banks) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CoefficientBankCodec.write(out, P, DIGEST, banks);
        return out.toByteArray();
    }

    private static List<CoefficientBankCodec.Bank> read(byte[] data, CkksParameters p) throws IOException {
        CoefficientBankReader reader = CoefficientBankCodec.open(new ByteArrayInputStream(data), p);
        assertArrayEquals(DIGEST, reader.digest());
        List<CoefficientBankCodec.Bank> banks = new ArrayList<>();
        for (int b = 0; b < reader.banks(); b++) {
            banks.add(reader.next());
        }
        reader.finish();
        return banks;
    }

    @Test
    void banksRoundTripExactly() throws IOException {
        List<CoefficientBankCodec.Bank> banks = banks(new Random(1));
        List<CoefficientBankCodec.Bank> back = read(write(banks), P);
        assertEquals(banks.size(), back.size());
        for (int b = 0; b < banks.size(); b++) {
            assertEquals(banks.get(b).level(), back.get(b).level());
            assertEquals(banks.get(b).scale(), back.get(b).scale());
            assertEquals(banks.get(b).coefficients().size(), back.get(b).coefficients().size());
            for (int k = 0; k < banks.get(b).coefficients().size(); k++) {
                Object x = banks.get(b).coefficients().get(k);
                Object y = back.get(b).coefficients().get(k);
                if (x instanceof int[] small) {
                    assertArrayEquals(small, (int[]) y);
                } else {
                    assertArrayEquals((long[]) x, (long[]) y);
                }
            }
        }
    }

    @Test
    void aBankLargerThanOneFrameSpansSeveralInOrder() throws IOException {
        Random r = new Random(2);
        List<Object> many = new ArrayList<>();
        for (int k = 0; k < 11; k++) {
            many.add(r.ints(P.n()).toArray());
        }
        List<CoefficientBankCodec.Bank> banks = List.of(new CoefficientBankCodec.Bank(1, 1e6, many),
                new CoefficientBankCodec.Bank(2, 1e7, many.subList(0, 2)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CoefficientBankCodec.write(out, P, DIGEST, banks, 3L * 4 * P.n()); // 3 plaintexts a frame: 4 + 1 frames
        List<CoefficientBankCodec.Bank> back = read(out.toByteArray(), P);
        assertEquals(11, back.get(0).coefficients().size());
        for (int k = 0; k < 11; k++) {
            assertArrayEquals((int[]) many.get(k), (int[]) back.get(0).coefficients().get(k));
        }
        assertArrayEquals((int[]) many.get(1), (int[]) back.get(1).coefficients().get(1));
    }

    /** The same object in memory off the heap (as mapped from a file): 32-bit plaintexts come back as slices. */
    @Test
    void aMappedObjectHandsOutSlicesAndRefusesDamage() throws IOException {
        List<CoefficientBankCodec.Bank> banks = banks(new Random(4));
        byte[] data = write(banks);
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment file = arena.allocate(data.length);
            java.lang.foreign.MemorySegment.copy(data, 0, file, java.lang.foreign.ValueLayout.JAVA_BYTE, 0,
                    data.length);
            CoefficientBankReader reader = CoefficientBankCodec.open(file, P);
            assertArrayEquals(DIGEST, reader.digest());
            for (CoefficientBankCodec.Bank expected : banks) {
                CoefficientBankCodec.Bank got = reader.next();
                assertEquals(expected.coefficients().size(), got.coefficients().size());
                for (int k = 0; k < got.coefficients().size(); k++) {
                    Object x = expected.coefficients().get(k);
                    Object y = got.coefficients().get(k);
                    if (x instanceof int[] small) {
                        java.lang.foreign.MemorySegment slice = (java.lang.foreign.MemorySegment) y;
                        assertTrue(slice.isNative());
                        assertArrayEquals(small, slice.toArray(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED));
                    } else {
                        assertArrayEquals((long[]) x, (long[]) y);
                    }
                }
            }
            reader.finish();
            file.set(java.lang.foreign.ValueLayout.JAVA_BYTE, data.length - 50, (byte) (data[data.length - 50] ^ 2));
            MalformedDataException e = assertThrows(MalformedDataException.class, () -> {
                CoefficientBankReader r = CoefficientBankCodec.open(file, P);
                for (int b = 0; b < r.banks(); b++) {
                    r.next();
                }
            });
            assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
            assertTrue(assertThrows(MalformedDataException.class, () -> {
                CoefficientBankReader r = CoefficientBankCodec.open(file.asSlice(0, data.length - 9), P);
                for (int b = 0; b < r.banks(); b++) {
                    r.next();
                }
            }).getMessage().contains("truncated"));
        }
    }

    @Test
    void damageIsRefusedWithTheReason() throws IOException {
        byte[] data = write(banks(new Random(3)));
        byte[] flipped = data.clone();
        flipped[data.length - 100] ^= 1;
        assertTrue(assertThrows(MalformedDataException.class, () -> read(flipped, P)).getMessage()
                .contains("checksum mismatch"));
        byte[] cut = java.util.Arrays.copyOf(data, data.length - 5);
        assertTrue(assertThrows(MalformedDataException.class, () -> read(cut, P)).getMessage().contains("truncated"));
        byte[] longer = java.util.Arrays.copyOf(data, data.length + 3);
        assertTrue(assertThrows(MalformedDataException.class, () -> read(longer, P)).getMessage()
                .contains("after the last bank"));
        assertThrows(ParameterMismatchException.class, () -> read(data, params(40, 30, 31)));
    }

    @Test
    void writersRefuseWhatReadersCouldNotCheck() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThrows(IllegalArgumentException.class, () -> CoefficientBankCodec.write(out, P, new byte[31],
                List.of()));
        assertThrows(IllegalArgumentException.class, () -> CoefficientBankCodec.write(out, P, DIGEST,
                List.of(new CoefficientBankCodec.Bank(3, 1e6, List.of()))), "level above the top");
        assertThrows(IllegalArgumentException.class, () -> CoefficientBankCodec.write(out, P, DIGEST,
                List.of(new CoefficientBankCodec.Bank(0, 1e6, List.of(new int[5])))), "wrong length");
    }
}
