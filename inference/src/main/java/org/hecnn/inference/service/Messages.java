package org.hecnn.inference.service;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.io.CiphertextCodec;
import org.hecnn.io.MalformedDataException;

/**
 * The byte formats between client and server. A request or response: magic, the {@link KeyFingerprint} of the key
 * set it was made under, a count, then each ciphertext in the hecnn format, length-prefixed. A key upload: magic and
 * the fingerprint, then the evaluation keys as {@link org.hecnn.io.KeyCodec} streams them. Stateless.
 */
final class Messages {
    private static final int MAGIC = 0x48435432; // "HCT2"
    private static final int KEYS_MAGIC = 0x484b5331; // "HKS1"
    private static final int MAX_CIPHERTEXTS = 4096;
    /** Bytes of a key upload's header. */
    static final int KEYS_HEADER_BYTES = 4 + KeyFingerprint.BYTES;

    /** A decoded request or response. */
    record Message(KeyFingerprint fingerprint, Ciphertext[] ciphertexts) {
    }

    private Messages() {
    }

    static byte[] write(KeyFingerprint fingerprint, Ciphertext... cts) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.write(fingerprint.bytes());
            out.writeInt(cts.length);
            for (Ciphertext c : cts) {
                byte[] b = CiphertextCodec.write(c);
                out.writeInt(b.length);
                out.write(b);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Message read(CkksContext ctx, byte[] data, int expectedCount) {
        if (data == null) {
            throw new MalformedDataException("no message (null); send the bytes a hecnn client produced");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (data.length < 4 || in.readInt() != MAGIC) {
                throw new MalformedDataException("not a hecnn ciphertext message (bad magic)"
                        + (data.length == 0 ? ": the message is empty" : ""));
            }
            KeyFingerprint fingerprint = KeyFingerprint.fromBytes(in.readNBytes(KeyFingerprint.BYTES));
            int count = in.readInt();
            if (count < 1 || count > MAX_CIPHERTEXTS || (expectedCount > 0 && count != expectedCount)) {
                throw new MalformedDataException("message holds " + count + " ciphertexts, expected "
                        + (expectedCount > 0 ? expectedCount : "1.." + MAX_CIPHERTEXTS));
            }
            Ciphertext[] cts = new Ciphertext[count];
            for (int i = 0; i < count; i++) {
                int len = in.readInt();
                if (len < 0 || len > in.available()) {
                    throw new MalformedDataException("ciphertext " + i + " claims " + len + " bytes, "
                            + in.available() + " remain");
                }
                cts[i] = CiphertextCodec.read(ctx, in.readNBytes(len));
            }
            if (in.available() != 0) {
                throw new MalformedDataException(in.available() + " trailing bytes after the message");
            }
            return new Message(fingerprint, cts);
        } catch (IOException | IllegalArgumentException e) {
            throw new MalformedDataException("message is truncated (" + data.length + " bytes): it ends before its "
                    + "header and ciphertexts do");
        }
    }

    /** Writes a key upload's header. */
    static void writeKeysHeader(OutputStream out, KeyFingerprint fingerprint) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(KEYS_MAGIC);
        d.write(fingerprint.bytes());
        d.flush();
    }

    /** Reads a key upload's header: the fingerprint of the key set that follows. */
    static KeyFingerprint readKeysHeader(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        byte[] header = d.readNBytes(KEYS_HEADER_BYTES);
        if (header.length < KEYS_HEADER_BYTES
                || java.nio.ByteBuffer.wrap(header).getInt() != KEYS_MAGIC) {
            throw new MalformedDataException("not a hecnn key upload (bad or missing header); upload the keys a hecnn "
                    + "client wrote");
        }
        return KeyFingerprint.fromBytes(java.util.Arrays.copyOfRange(header, 4, header.length));
    }
}
