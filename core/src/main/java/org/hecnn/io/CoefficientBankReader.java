package org.hecnn.io;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.io.HecnnFormat.ObjectType;

/**
 * Reads the banks of one object written by {@link CoefficientBankCodec}, in order, one frame at a time, from a stream
 * or from a file mapped into memory (see {@link CoefficientBankCodec#open}). Every frame is checked (header, size
 * limits, CRC32C, parameter binding, its place in the index) before anything of it is handed out. Not thread-safe:
 * one thread reads.
 */
public final class CoefficientBankReader {
    private final InputStream in;
    /** The mapped file, when reading one (else null); the reader's position in it. */
    private final MemorySegment file;
    private long filePosition;
    /** Mapped: where the pending frame's coefficients start in the file. */
    private long pendingData;
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

    CoefficientBankReader(InputStream in, MemorySegment file, CkksParameters params) throws IOException {
        this.in = in;
        this.file = file;
        this.params = params;
        long maxIndex = Frames.frameBytes(HecnnFormat.BINDING_BYTES + CoefficientBankCodec.DIGEST_BYTES + 4
                + (long) CoefficientBankCodec.INDEX_ENTRY_BYTES * CoefficientBankCodec.MAX_BANKS);
        String limit = "an index of " + CoefficientBankCodec.MAX_BANKS + " banks";
        byte[] frame;
        if (file != null) {
            long length = mappedFrameLength(ObjectType.COMPILED_PLAINTEXTS, maxIndex, limit);
            frame = file.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
            filePosition = length;
        } else {
            frame = Frames.readFrame(in, ObjectType.COMPILED_PLAINTEXTS, maxIndex, limit);
        }
        ByteSource s = Frames.open(frame, 0, ObjectType.COMPILED_PLAINTEXTS, true).body();
        Binding.check(s, params);
        digest = s.bytes(CoefficientBankCodec.DIGEST_BYTES);
        long banks = s.u32();
        s.expectRemaining(banks * CoefficientBankCodec.INDEX_ENTRY_BYTES, banks + " bank entries");
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

    /**
     * The next bank, read from as many data frames as it spans (each checked before anything is kept). Its
     * plaintexts are {@code int[]} or {@code long[]}, or from a mapped file {@code MemorySegment}s of N 32-bit
     * integers in the platform's byte order.
     */
    public CoefficientBankCodec.Bank next() throws IOException {
        if (nextBank >= levels.length) {
            throw new IllegalStateException("all " + levels.length + " banks were read");
        }
        int bank = nextBank++;
        List<Object> coefficients = new ArrayList<>(counts[bank]);
        while (coefficients.size() < counts[bank]) {
            if (pending == null) {
                if (file != null) {
                    readMappedDataFrame();
                } else {
                    readDataFrame();
                }
            }
            if (pendingBank != bank || pendingFirst != coefficients.size()) {
                throw new MalformedDataException("compiled plaintexts: expected plaintext " + coefficients.size()
                        + " of bank " + bank + " but the data frame holds bank " + pendingBank + " from "
                        + pendingFirst + ": the data is corrupt or its frames are out of order");
            }
            take(coefficients, counts[bank] - coefficients.size());
        }
        return new CoefficientBankCodec.Bank(levels[bank], scales[bank], coefficients);
    }

    /**
     * Moves up to {@code wanted} plaintexts of the pending frame into {@code out}, converted on all cores (most of
     * the time goes to the fresh pages of the new arrays, which the cores fault in side by side).
     */
    private void take(List<Object> out, int wanted) {
        if (file != null) {
            takeMapped(out, wanted);
            return;
        }
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

    /** Mapped: hands out the pending frame's plaintexts as slices of the file (copies where they must be). */
    private void takeMapped(List<Object> out, int wanted) {
        int n = params.n();
        int k = Math.min(wanted, pendingWidths.length);
        boolean nativeLittleEndian = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (int i = 0; i < k; i++) {
            long bytes = (long) pendingWidths[i] * n;
            MemorySegment slice = file.asSlice(pendingData, bytes);
            if (pendingWidths[i] == 4 && nativeLittleEndian) {
                out.add(slice);
            } else if (pendingWidths[i] == 4) {
                out.add(slice.toArray(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)));
            } else {
                out.add(slice.toArray(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)));
            }
            pendingData += bytes;
        }
        pendingFirst += k;
        pendingWidths = java.util.Arrays.copyOfRange(pendingWidths, k, pendingWidths.length);
        if (pendingWidths.length == 0) {
            pending = null;
        }
    }

    /** The most bytes a data frame may have: the writer stops once a frame reaches the target. */
    private long mostDataFrameBytes() {
        int n = params.n();
        // less than the target plus one plaintext of 8-byte coefficients, and at most target / 4N + 1 plaintexts
        return Frames.frameBytes(CoefficientBankCodec.DATA_FIXED_BYTES + CoefficientBankCodec.FRAME_TARGET_BYTES + 8L * n + CoefficientBankCodec.FRAME_TARGET_BYTES / (4L * n)
                + 1);
    }

    /**
     * Mapped: checks the frame at the reader's position in the file (header, size limit, that it is all there,
     * CRC32C over the mapping) and returns its length; the position is not moved.
     */
    private long mappedFrameLength(ObjectType type, long most, String limit) {
        long left = file.byteSize() - filePosition;
        if (left < HecnnFormat.HEADER_BYTES) {
            throw new MalformedDataException(type.label() + ": truncated: expected a " + HecnnFormat.HEADER_BYTES
                    + "-byte header at offset " + filePosition + " but only " + Math.max(0, left)
                    + " bytes remain");
        }
        byte[] header = file.asSlice(filePosition, HecnnFormat.HEADER_BYTES).toArray(ValueLayout.JAVA_BYTE);
        long total = Frames.checkedFrameBytes(header, type, most, limit);
        if (total > left) {
            throw new MalformedDataException(type.label() + ": truncated: the frame at offset " + filePosition
                    + " declares " + total + " bytes but only " + left + " remain");
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        long checked = total - HecnnFormat.TRAILER_BYTES;
        for (long at = 0; at < checked; at += 1 << 30) {
            crc.update(file.asSlice(filePosition + at, Math.min(1 << 30, checked - at)).asByteBuffer());
        }
        long stored = file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                filePosition + checked) & 0xffffffffL;
        if (stored != crc.getValue()) {
            throw new MalformedDataException(type.label() + ": checksum mismatch: the data was corrupted in "
                    + "storage (stored CRC32C " + String.format("0x%08x", stored) + ", computed "
                    + String.format("0x%08x", crc.getValue()) + ")");
        }
        // Checked: its pages go back to the operating system's cache until they are used (a mapped file's).
        if (file.isMapped()) {
            file.asSlice(filePosition, total).unload();
        }
        return total;
    }

    /** Mapped: checks the next data frame and parses its fixed part; its coefficients stay in the file. */
    private void readMappedDataFrame() {
        long total = mappedFrameLength(ObjectType.PLAINTEXT_COEFFICIENTS, mostDataFrameBytes(),
                "a data frame of compiled plaintexts may hold");
        long bodyStart = filePosition + HecnnFormat.HEADER_BYTES;
        long body = total - HecnnFormat.HEADER_BYTES - HecnnFormat.TRAILER_BYTES;
        int head = (int) Math.min(body, CoefficientBankCodec.DATA_FIXED_BYTES + CoefficientBankCodec.FRAME_TARGET_BYTES / (4L * params.n()) + 1);
        byte[] fixed = file.asSlice(bodyStart, head).toArray(ValueLayout.JAVA_BYTE);
        ByteSource s = new ByteSource(fixed, 0, head, ObjectType.PLAINTEXT_COEFFICIENTS.label());
        long coefficientBytes = parseDataHead(s);
        long expected = CoefficientBankCodec.DATA_FIXED_BYTES + pendingWidths.length + coefficientBytes;
        if (body != expected) {
            throw new MalformedDataException("compiled plaintexts: a data frame of " + body + " bytes holds "
                    + pendingWidths.length + " plaintexts of " + params.n() + " coefficients, which take "
                    + expected + ": the data is corrupt");
        }
        pendingData = bodyStart + CoefficientBankCodec.DATA_FIXED_BYTES + pendingWidths.length;
        pending = s;
        filePosition += total;
    }

    private void readDataFrame() throws IOException {
        int length = Frames.readLocalFrame(in, ObjectType.PLAINTEXT_COEFFICIENTS, mostDataFrameBytes(),
                "a data frame of compiled plaintexts may hold", frameBuffer);
        Frames.Opened opened = Frames.open(frameBuffer[0], 0, ObjectType.PLAINTEXT_COEFFICIENTS, false);
        if (opened.end() != length) {
            throw new IllegalStateException("bug: a frame of " + length + " bytes ended at " + opened.end());
        }
        ByteSource s = opened.body();
        long bytes = parseDataHead(s);
        s.expectRemaining(bytes, pendingWidths.length + " plaintexts of " + params.n() + " coefficients");
        pending = s;
    }

    /**
     * Parses a data frame's binding, bank, run and widths (setting the pending run) and returns the bytes its
     * coefficients must take.
     */
    private long parseDataHead(ByteSource s) {
        int n = params.n();
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
        pendingBank = (int) bank;
        pendingFirst = (int) first;
        pendingWidths = widths;
        return bytes;
    }

    /** Throws unless the stream ends after the last bank (nothing appended, nothing left unread). */
    public void finish() throws IOException {
        if (nextBank != levels.length || pending != null) {
            throw new IllegalStateException("only " + nextBank + " of " + levels.length + " banks were read");
        }
        frameBuffer[0] = null;
        if (file != null ? filePosition != file.byteSize() : in.read() != -1) {
            throw new MalformedDataException("compiled plaintexts: unexpected bytes after the last bank: the "
                    + "file is corrupt or not one set of compiled plaintexts");
        }
    }
}
