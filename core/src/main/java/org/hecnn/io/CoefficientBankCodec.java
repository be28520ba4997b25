package org.hecnn.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
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
 * Stateless; a {@link Reader} belongs to one thread.
 */
public final class CoefficientBankCodec {
    /** Bytes of coefficients a data frame is filled to before the next one starts. */
    static final long FRAME_TARGET_BYTES = 128L << 20;
    /** Most banks one object may have (a network has a few per layer). */
    static final int MAX_BANKS = 1 << 20;
    private static final int DIGEST_BYTES = 32;
    private static final int INDEX_ENTRY_BYTES = 4 + 8 + 4;
    private static final int DATA_FIXED_BYTES = HecnnFormat.BINDING_BYTES + 12;

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

    /** Reads the index frame: the parameters must be those the banks were written for. */
    public static Reader open(InputStream in, CkksParameters params) throws IOException {
        return new Reader(in, params);
    }

    /** Reads the banks of one stored object in order, one frame at a time. Not thread-safe. */
    public static final class Reader {
        private final InputStream in;
        private final CkksParameters params;
        private final byte[] digest;
        private final int[] levels;
        private final double[] scales;
        private final int[] counts;
        private int nextBank;
        /** Plaintexts of the current data frame not yet handed out, and where they start in it. */
        private ByteSource pending;
        private int pendingBank = -1;
        private int pendingFirst;
        private byte[] pendingWidths = new byte[0];
        /** The one array every data frame is read into in turn. */
        private final byte[][] frameBuffer = new byte[1][];

        private Reader(InputStream in, CkksParameters params) throws IOException {
            this.in = in;
            this.params = params;
            long maxIndex = Frames.frameBytes(HecnnFormat.BINDING_BYTES + DIGEST_BYTES + 4
                    + (long) INDEX_ENTRY_BYTES * MAX_BANKS);
            byte[] frame = Frames.readFrame(in, ObjectType.COMPILED_PLAINTEXTS, maxIndex,
                    "an index of " + MAX_BANKS + " banks");
            ByteSource s = Frames.open(frame, 0, ObjectType.COMPILED_PLAINTEXTS, true).body();
            Binding.check(s, params);
            digest = s.bytes(DIGEST_BYTES);
            long banks = s.u32();
            s.expectRemaining(banks * INDEX_ENTRY_BYTES, banks + " bank entries");
            levels = new int[(int) banks];
            scales = new double[(int) banks];
            counts = new int[(int) banks];
            for (int b = 0; b < banks; b++) {
                long level = s.u32();
                double scale = s.f64();
                long count = s.u32();
                if (level > params.maxLevel()) {
                    throw new MalformedDataException("compiled plaintexts: bank " + b + " is at level " + level
                            + ", above these parameters' top level " + params.maxLevel() + ": the data is corrupt");
                }
                if (!(scale > 0) || Double.isInfinite(scale)) {
                    throw new MalformedDataException("compiled plaintexts: bank " + b + " has scale " + scale
                            + ", not a finite positive number: the data is corrupt");
                }
                if (count > Integer.MAX_VALUE - 8) {
                    throw new MalformedDataException("compiled plaintexts: bank " + b + " declares " + count
                            + " plaintexts: the data is corrupt");
                }
                levels[b] = (int) level;
                scales[b] = scale;
                counts[b] = (int) count;
            }
            s.expectEnd();
        }

        /** The 32-byte content digest the writer bound the banks to. */
        public byte[] digest() {
            return digest.clone();
        }

        public int banks() {
            return levels.length;
        }

        /** Level of bank {@code b}, from the index. */
        public int level(int b) {
            return levels[b];
        }

        /** Scale of bank {@code b}, from the index. */
        public double scale(int b) {
            return scales[b];
        }

        /** Plaintexts of bank {@code b}, from the index. */
        public int count(int b) {
            return counts[b];
        }

        /** The next bank, read from as many data frames as it spans (each checked before anything is kept). */
        public Bank next() throws IOException {
            if (nextBank >= levels.length) {
                throw new IllegalStateException("all " + levels.length + " banks were read");
            }
            int bank = nextBank++;
            List<Object> coefficients = new ArrayList<>(counts[bank]);
            while (coefficients.size() < counts[bank]) {
                if (pending == null) {
                    readDataFrame();
                }
                if (pendingBank != bank || pendingFirst != coefficients.size()) {
                    throw new MalformedDataException("compiled plaintexts: expected plaintext " + coefficients.size()
                            + " of bank " + bank + " but the data frame holds bank " + pendingBank + " from "
                            + pendingFirst + ": the data is corrupt or its frames are out of order");
                }
                take(coefficients, counts[bank] - coefficients.size());
            }
            return new Bank(levels[bank], scales[bank], coefficients);
        }

        /**
         * Moves up to {@code wanted} plaintexts of the pending frame into {@code out}, converted on all cores (most of
         * the time goes to the fresh pages of the new arrays, which the cores fault in side by side).
         */
        private void take(List<Object> out, int wanted) {
            int n = params.n();
            int k = Math.min(wanted, pendingWidths.length);
            long[] offsets = new long[k];
            long at = pending.position();
            for (int i = 0; i < k; i++) {
                offsets[i] = at;
                at += (long) pendingWidths[i] * n;
            }
            byte[] data = pending.array();
            byte[] widths = pendingWidths;
            Object[] converted = new Object[k];
            java.util.stream.IntStream.range(0, k).parallel().forEach(i -> {
                ByteBuffer view = ByteBuffer.wrap(data, (int) offsets[i], widths[i] * n).order(ByteOrder.LITTLE_ENDIAN);
                if (widths[i] == 4) {
                    int[] c = new int[n];
                    view.asIntBuffer().get(c);
                    converted[i] = c;
                } else {
                    long[] c = new long[n];
                    view.asLongBuffer().get(c);
                    converted[i] = c;
                }
            });
            out.addAll(java.util.Arrays.asList(converted));
            pending.skip((int) (at - pending.position()));
            pendingFirst += k;
            pendingWidths = java.util.Arrays.copyOfRange(pendingWidths, k, pendingWidths.length);
            if (pendingWidths.length == 0) {
                pending.expectEnd();
                pending = null;
            }
        }

        private void readDataFrame() throws IOException {
            int n = params.n();
            // The writer stops once a frame reaches the target, so a frame holds less than the target plus one
            // plaintext of 8-byte coefficients, and at most target / 4N + 1 plaintexts.
            long most = Frames.frameBytes(DATA_FIXED_BYTES + FRAME_TARGET_BYTES + 8L * n
                    + FRAME_TARGET_BYTES / (4L * n) + 1);
            int length = Frames.readLocalFrame(in, ObjectType.PLAINTEXT_COEFFICIENTS, most,
                    "a data frame of compiled plaintexts may hold", frameBuffer);
            Frames.Opened opened = Frames.open(frameBuffer[0], 0, ObjectType.PLAINTEXT_COEFFICIENTS, false);
            if (opened.end() != length) {
                throw new IllegalStateException("bug: a frame of " + length + " bytes ended at " + opened.end());
            }
            ByteSource s = opened.body();
            Binding.check(s, params);
            long bank = s.u32();
            long first = s.u32();
            long count = s.u32();
            if (bank >= levels.length || count == 0 || first + count > counts[(int) bank]) {
                throw new MalformedDataException("compiled plaintexts: a data frame claims plaintexts " + first
                        + ".." + (first + count - 1) + " of bank " + bank + ", which the index does not have: the "
                        + "data is corrupt");
            }
            s.need(count);
            byte[] widths = s.bytes((int) count);
            long bytes = 0;
            for (byte w : widths) {
                if (w != 4 && w != 8) {
                    throw new MalformedDataException("compiled plaintexts: coefficient width " + w + " is neither 4 "
                            + "nor 8: the data is corrupt");
                }
                bytes += (long) w * n;
            }
            s.expectRemaining(bytes, count + " plaintexts of " + n + " coefficients");
            pending = s;
            pendingBank = (int) bank;
            pendingFirst = (int) first;
            pendingWidths = widths;
        }

        /** Throws unless the stream ends after the last bank (nothing appended, nothing left unread). */
        public void finish() throws IOException {
            if (nextBank != levels.length || pending != null) {
                throw new IllegalStateException("only " + nextBank + " of " + levels.length + " banks were read");
            }
            if (in.read() != -1) {
                throw new MalformedDataException("compiled plaintexts: unexpected bytes after the last bank: the "
                        + "file is corrupt or not one set of compiled plaintexts");
            }
        }
    }
}
