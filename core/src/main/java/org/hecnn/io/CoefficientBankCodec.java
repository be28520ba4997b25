package org.hecnn.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.io.HecnnFormat.ObjectType;

/**
 * Plaintexts kept as signed integer coefficients (before the NTT), in banks that share a level and a scale: what a
 * compiler encodes once per model, stored so that it is not encoded again. The object is an index frame followed by
 * data frames:
 *
 * <pre>
 * index (type {@link ObjectType#COMPILED_PLAINTEXTS}):
 *     binding (36) | content digest (32) | bank count B u32 | B × (level u32 | scale f64 | plaintext count u32)
 * data (type {@link ObjectType#PLAINTEXT_COEFFICIENTS}), as many as needed, banks in order, each bank's plaintexts in
 * order:
 *     binding (36) | bank u32 | first plaintext u32 | count k u32 | k × width u8 (4 or 8)
 *     | k × (N coefficients, each a little-endian signed integer of its width)
 * </pre>
 *
 * The content digest is the caller's: it says what the plaintexts were compiled from (model, options) and the reader
 * hands it back to be compared before any coefficient is read. A data frame holds at most {@link #FRAME_TARGET_BYTES}
 * of coefficients (plus one plaintext), so neither side ever holds more than that beyond the plaintexts themselves.
 * Stateless; a {@link CoefficientBankReader} belongs to one thread.
 */
public final class CoefficientBankCodec {
    /** Bytes of coefficients a data frame is filled to before the next one starts. */
    static final long FRAME_TARGET_BYTES = 128L << 20;
    /** Most banks one object may have (a network has a few per layer). */
    static final int MAX_BANKS = 1 << 20;
    static final int DIGEST_BYTES = 32;
    static final int INDEX_ENTRY_BYTES = 4 + 8 + 4;
    static final int DATA_FIXED_BYTES = HecnnFormat.BINDING_BYTES + 12;

    private CoefficientBankCodec() {
    }

    /**
     * One bank: its plaintexts' level and scale and their coefficients, each an {@code int[]} or, for a plaintext
     * whose coefficients do not fit 32 bits, a {@code long[]}, of N entries.
     */
    public record Bank(int level, double scale, List<Object> coefficients) {
        public Bank {
            coefficients = List.copyOf(coefficients);
        }
    }

    /** Writes the banks, bound to {@code params} and to the caller's 32-byte {@code digest}. */
    public static void write(OutputStream out, CkksParameters params, byte[] digest, List<Bank> banks)
            throws IOException {
        write(out, params, digest, banks, FRAME_TARGET_BYTES);
    }

    /** As above, filling data frames to {@code frameTarget} bytes of coefficients (at most the default). */
    static void write(OutputStream out, CkksParameters params, byte[] digest, List<Bank> banks, long frameTarget)
            throws IOException {
        if (frameTarget < 1 || frameTarget > FRAME_TARGET_BYTES) {
            throw new IllegalArgumentException("frames hold 1.." + FRAME_TARGET_BYTES + " bytes of coefficients");
        }
        Binding.checkWritable(params);
        if (digest.length != DIGEST_BYTES) {
            throw new IllegalArgumentException("the content digest must have 32 bytes, not " + digest.length);
        }
        int n = params.n();
        if (banks.size() > MAX_BANKS) {
            throw new IllegalArgumentException("at most " + MAX_BANKS + " banks, not " + banks.size());
        }
        for (Bank b : banks) {
            if (b.level() < 0 || b.level() > params.maxLevel() || !(b.scale() > 0) || Double.isInfinite(b.scale())) {
                throw new IllegalArgumentException("a bank at level " + b.level() + " with scale " + b.scale()
                        + " does not fit " + params);
            }
            for (Object c : b.coefficients()) {
                if (widthOf(c) == 0 || lengthOf(c) != n) {
                    throw new IllegalArgumentException("plaintext coefficients must be int[] or long[] of N = " + n);
                }
            }
        }
        long indexBody = HecnnFormat.BINDING_BYTES + DIGEST_BYTES + 4 + (long) INDEX_ENTRY_BYTES * banks.size();
        out.write(Frames.frame(ObjectType.COMPILED_PLAINTEXTS, indexBody, s -> {
            Binding.write(s, params);
            s.bytes(digest);
            s.u32(banks.size());
            for (Bank b : banks) {
                s.u32(b.level());
                s.f64(b.scale());
                s.u32(b.coefficients().size());
            }
        }));
        for (int bank = 0; bank < banks.size(); bank++) {
            List<Object> all = banks.get(bank).coefficients();
            int first = 0;
            while (first < all.size()) {
                int end = first;
                long bytes = 0;
                while (end < all.size() && (end == first || bytes < frameTarget)) {
                    bytes += (long) widthOf(all.get(end)) * n;
                    end++;
                }
                writeData(out, params, bank, first, all.subList(first, end), bytes);
                first = end;
            }
        }
    }

    private static void writeData(OutputStream out, CkksParameters params, int bank, int first, List<Object> run,
                                  long coefficientBytes) throws IOException {
        long body = DATA_FIXED_BYTES + run.size() + coefficientBytes;
        out.write(Frames.frame(ObjectType.PLAINTEXT_COEFFICIENTS, body, s -> {
            Binding.write(s, params);
            s.u32(bank);
            s.u32(first);
            s.u32(run.size());
            for (Object c : run) {
                s.u8(widthOf(c));
            }
            ByteBuffer view = ByteBuffer.wrap(s.array()).order(ByteOrder.LITTLE_ENDIAN);
            for (Object c : run) {
                view.position(s.position());
                if (c instanceof int[] small) {
                    view.asIntBuffer().put(small);
                } else {
                    view.asLongBuffer().put((long[]) c);
                }
                s.skip(widthOf(c) * lengthOf(c));
            }
        }));
    }

    private static int widthOf(Object c) {
        return c instanceof int[] ? 4 : c instanceof long[] ? 8 : 0;
    }

    private static int lengthOf(Object c) {
        return c instanceof int[] small ? small.length : ((long[]) c).length;
    }

    /**
     * Reads the index frame from a stream: the parameters must be those the banks were written for. Coefficients are
     * copied into new arrays.
     */
    public static CoefficientBankReader open(InputStream in, CkksParameters params) throws IOException {
        return new CoefficientBankReader(in, null, params);
    }

    /**
     * Reads the index frame of a whole file mapped into memory ({@code file}: the object from its first byte to its
     * last). Every frame's checksum is still verified before it is used, but the 32-bit coefficients are handed out
     * as slices of the mapping (in the platform's byte order, which the file's little-endian order is on every
     * platform hecnn ships for; elsewhere they are copied): nothing is copied onto the heap, and the operating system
     * may share and page the file.
     */
    public static CoefficientBankReader open(MemorySegment file, CkksParameters params) throws IOException {
        return new CoefficientBankReader(null, file, params);
    }
}
