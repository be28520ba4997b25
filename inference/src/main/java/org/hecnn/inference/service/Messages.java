package org.hecnn.inference.service;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.io.CiphertextCodec;
import org.hecnn.io.MalformedDataException;

/** The byte format of requests and responses: a count, then each ciphertext in the hecnn format, length-prefixed. */
final class Messages {
    private static final int MAGIC = 0x48435431; // "HCT1"
    private static final int MAX_CIPHERTEXTS = 4096;

    private Messages() {
    }

    static byte[] write(Ciphertext... cts) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
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

    static Ciphertext[] read(CkksContext ctx, byte[] data, int expectedCount) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw new MalformedDataException("not a hecnn ciphertext message (bad magic)");
            }
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
            return cts;
        } catch (IOException e) {
            throw new MalformedDataException("message is truncated: " + e.getMessage());
        }
    }
}
