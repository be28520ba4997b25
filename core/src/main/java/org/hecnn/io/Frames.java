package org.hecnn.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.hecnn.HecnnException;
import org.hecnn.io.HecnnFormat.ObjectType;

/** Writing and checking frames: header, body, CRC32C trailer (see {@link HecnnFormat}). */
final class Frames {
    private static final int CHUNK = 1 << 20;

    private Frames() {
    }

    /** Total bytes of a frame with the given body length. */
    static long frameBytes(long bodyLength) {
        return HecnnFormat.HEADER_BYTES + bodyLength + HecnnFormat.TRAILER_BYTES;
    }

    /** A complete frame: the header, {@code bodyLength} bytes filled by {@code body}, the checksum. */
    static byte[] frame(ObjectType type, long bodyLength, Consumer<ByteSink> body) {
        if (bodyLength > HecnnFormat.MAX_BODY_BYTES) {
            throw new HecnnException("the " + type.label() + " needs " + bodyLength + " bytes, more than one frame "
                    + "can hold (" + HecnnFormat.MAX_BODY_BYTES + "): split it (e.g. fewer Galois keys per set)");
        }
        byte[] out = new byte[(int) frameBytes(bodyLength)];
        ByteSink sink = new ByteSink(out, 0);
        sink.bytes(HecnnFormat.MAGIC);
        sink.u16(HecnnFormat.VERSION);
        sink.u8(type.tag());
        sink.u8(0);
        sink.u64(bodyLength);
        body.accept(sink);
        if (sink.position() != HecnnFormat.HEADER_BYTES + bodyLength) {
            throw new IllegalStateException("bug: " + type.label() + " body wrote " + (sink.position()
                    - HecnnFormat.HEADER_BYTES) + " bytes, declared " + bodyLength);
        }
        CRC32C crc = new CRC32C();
        crc.update(out, 0, sink.position());
        sink.u32(crc.getValue());
        return out;
    }

    /** One frame checked and opened: its body and where the frame ends. */
    record Opened(ByteSource body, int end) {
    }

    static ObjectType peekType(byte[] data) {
        return checkHeader(data, 0, null).type;
    }

    private record Header(ObjectType type, long bodyLength) {
    }

    /** Checks magic, version, type (against {@code expected} if non-null), reserved byte and body length. */
    private static Header checkHeader(byte[] data, int offset, ObjectType expected) {
        String what = expected == null ? "object" : expected.label();
        if (data.length - offset < HecnnFormat.HEADER_BYTES) {
            throw new MalformedDataException(what + ": truncated: expected a " + HecnnFormat.HEADER_BYTES
                    + "-byte header at offset " + offset + " but only " + Math.max(0, data.length - offset)
                    + " bytes remain");
        }
        for (int i = 0; i < 4; i++) {
            if (data[offset + i] != HecnnFormat.MAGIC[i]) {
                throw new MalformedDataException(what + ": not a hecnn object: the bytes at offset " + offset
                        + " are 0x" + HexFormat.of().formatHex(data, offset, offset + 4) + ", not \"HECN\"");
            }
        }
        ByteSource h = new ByteSource(data, offset + 4, offset + HecnnFormat.HEADER_BYTES, what);
        int version = h.u16();
        if (version > HecnnFormat.VERSION) {
            throw new MalformedDataException(what + ": format version " + version + " is newer than this reader ("
                    + HecnnFormat.VERSION + "): upgrade hecnn");
        }
        if (version == 0) {
            throw new MalformedDataException(what + ": format version 0 is not valid: the data is corrupt");
        }
        int tag = h.u8();
        ObjectType type = ObjectType.ofTag(tag);
        if (type == null) {
            throw new MalformedDataException(what + ": unknown object type tag " + tag + " (this reader knows 1.."
                    + ObjectType.values().length + "): the data is corrupt or from a newer writer");
        }
        if (expected != null && type != expected) {
            throw new MalformedDataException("wrong object type: expected " + expected + ", found " + type);
        }
        h.reservedZero("header byte");
        long bodyLength = h.u64();
        if (bodyLength < 0 || bodyLength > HecnnFormat.MAX_BODY_BYTES) {
            throw new MalformedDataException(what + ": the header declares a body of "
                    + Long.toUnsignedString(bodyLength) + " bytes, more than this reader accepts ("
                    + HecnnFormat.MAX_BODY_BYTES + "): the data is corrupt or hostile");
        }
        return new Header(type, bodyLength);
    }

    /**
     * Checks the frame at {@code offset} (header, length, checksum) and opens its body. With {@code whole}, the
     * frame must end exactly at the end of {@code data}.
     */
    static Opened open(byte[] data, int offset, ObjectType expected, boolean whole) {
        Header h = checkHeader(data, offset, expected);
        String what = expected.label();
        long available = (long) data.length - offset - HecnnFormat.HEADER_BYTES;
        long needed = h.bodyLength + HecnnFormat.TRAILER_BYTES;
        if (needed > available) {
            throw new MalformedDataException(what + ": truncated: the header declares a body of " + h.bodyLength
                    + " bytes plus a " + HecnnFormat.TRAILER_BYTES + "-byte checksum, but only " + available
                    + " bytes follow the header at offset " + (offset + HecnnFormat.HEADER_BYTES));
        }
        int bodyStart = offset + HecnnFormat.HEADER_BYTES;
        int bodyEnd = (int) (bodyStart + h.bodyLength);
        int end = bodyEnd + HecnnFormat.TRAILER_BYTES;
        if (whole && end != data.length) {
            throw new MalformedDataException(what + ": " + (data.length - end) + " unexpected bytes after the end of"
                    + " the object at offset " + end + ": the data is corrupt or not one " + what);
        }
        CRC32C crc = new CRC32C();
        crc.update(data, offset, bodyEnd - offset);
        long stored = (int) ByteSink.INT_LE.get(data, bodyEnd) & 0xffffffffL;
        if (stored != crc.getValue()) {
            throw new MalformedDataException(what + ": checksum mismatch: the data was corrupted in transit or "
                    + "storage (stored CRC32C " + String.format("0x%08x", stored) + ", computed "
                    + String.format("0x%08x", crc.getValue()) + ")");
        }
        return new Opened(new ByteSource(data, bodyStart, bodyEnd, what), end);
    }

    /** The whole length of the frame a header declares, after checking the header and that length's limit. */
    static long checkedFrameBytes(byte[] header, ObjectType expected, long maxFrameBytes, String limitReason) {
        Header h = checkHeader(header, 0, expected);
        long total = frameBytes(h.bodyLength);
        if (total > maxFrameBytes) {
            throw new MalformedDataException(expected.label() + ": the header declares " + total + " bytes in all, "
                    + "more than " + limitReason + " (" + maxFrameBytes + "): the data is corrupt or hostile");
        }
        return total;
    }

    /**
     * Reads one whole frame from a trusted local stream (a file this library wrote) straight into {@code buffer[0]},
     * replaced by a larger array when the frame does not fit: one copy, and no fresh array per frame when frames are
     * read one after another. The header and the size limit are checked first, as by {@link #readFrame}, whose chunked
     * reading suits streams from elsewhere. Returns the frame's length; its checksum is not yet verified.
     */
    static int readLocalFrame(InputStream in, ObjectType expected, long maxFrameBytes, String limitReason,
                              byte[][] buffer) throws IOException {
        byte[] header = in.readNBytes(HecnnFormat.HEADER_BYTES);
        long total = checkedFrameBytes(header, expected, maxFrameBytes, limitReason);
        if (buffer[0] == null || buffer[0].length < total) {
            buffer[0] = new byte[(int) total];
        }
        byte[] frame = buffer[0];
        System.arraycopy(header, 0, frame, 0, header.length);
        int filled = in.readNBytes(frame, header.length, (int) total - header.length);
        if (filled < total - header.length) {
            throw new MalformedDataException(expected.label() + ": truncated: the stream ended after "
                    + (header.length + filled) + " of the frame's " + total + " bytes");
        }
        return (int) total;
    }

    /**
     * Reads one whole frame from a stream: the header is checked first and a frame larger than
     * {@code maxFrameBytes} is refused before its body is read; the body is read in chunks, so a stream that ends
     * early costs no more memory than the bytes it had. Returns the frame's bytes (checksum not yet verified).
     */
    static byte[] readFrame(InputStream in, ObjectType expected, long maxFrameBytes, String limitReason)
            throws IOException {
        byte[] header = in.readNBytes(HecnnFormat.HEADER_BYTES);
        long total = checkedFrameBytes(header, expected, maxFrameBytes, limitReason);
        // The body arrives in chunks kept as they are, then is copied once into the frame: each byte is copied once
        // (a growing buffer copied every byte log2(frame / chunk) + 1 times: a third of a ResNet key upload).
        List<byte[]> chunks = new ArrayList<>();
        long got = 0;
        long rest = total - HecnnFormat.HEADER_BYTES;
        while (got < rest) {
            byte[] chunk = new byte[(int) Math.min(CHUNK, rest - got)];
            int filled = in.readNBytes(chunk, 0, chunk.length);
            got += filled;
            if (filled < chunk.length) {
                throw new MalformedDataException(expected.label() + ": truncated: the stream ended after "
                        + (HecnnFormat.HEADER_BYTES + got) + " of the frame's " + total + " bytes");
            }
            chunks.add(chunk);
        }
        byte[] frame = new byte[(int) total];
        System.arraycopy(header, 0, frame, 0, header.length);
        int at = header.length;
        for (byte[] chunk : chunks) {
            System.arraycopy(chunk, 0, frame, at, chunk.length);
            at += chunk.length;
        }
        return frame;
    }
}
