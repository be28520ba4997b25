package org.hecnn.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.io.HecnnFormat.ObjectType;
import org.hecnn.rlwe.SecretKey;

/**
 * The only path that serialises a secret key. The bytes are the secret in the clear: protect them yourself
 * (encrypt at rest, never send them to the evaluating side). No other codec accepts a secret key.
 *
 * <p>Body (type {@link ObjectType#SECRET_KEY}):
 * <pre>
 * binding (36) | N u32 | N ternary coefficients, 2 bits each, 4 per byte, low bits first (0 → 0, 1 → 1, 2 → −1)
 * </pre>
 */
public final class SecretKeyCodec {
    private SecretKeyCodec() {
    }

    static long bodyBytes(int n) {
        return HecnnFormat.BINDING_BYTES + 4 + (n + 3L) / 4;
    }

    /** UNPROTECTED: the returned bytes contain the secret key in the clear. */
    public static byte[] writeSecretKeyUnprotected(CkksParameters p, SecretKey key) {
        Binding.checkWritable(p);
        int[] c = key.coefficients();
        try {
            if (c.length != p.n()) {
                throw new IllegalArgumentException("the secret key has " + c.length + " coefficients; these "
                        + "parameters have N = " + p.n());
            }
            byte[] packed = new byte[(c.length + 3) / 4];
            for (int i = 0; i < c.length; i++) {
                int code = c[i] == 0 ? 0 : c[i] == 1 ? 1 : 2;
                packed[i >>> 2] |= (byte) (code << (2 * (i & 3)));
            }
            byte[] out = Frames.frame(ObjectType.SECRET_KEY, bodyBytes(c.length), s -> {
                Binding.write(s, p);
                s.u32(c.length);
                s.bytes(packed);
            });
            Arrays.fill(packed, (byte) 0);
            return out;
        } finally {
            Arrays.fill(c, 0);
        }
    }

    /** UNPROTECTED: writes the secret key in the clear to {@code out}. */
    public static void writeSecretKeyUnprotected(CkksParameters p, SecretKey key, OutputStream out)
            throws IOException {
        byte[] bytes = writeSecretKeyUnprotected(p, key);
        try {
            out.write(bytes);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    public static SecretKey readSecretKey(CkksParameters p, byte[] data) {
        ByteSource in = Frames.open(data, 0, ObjectType.SECRET_KEY, true).body();
        Binding.check(in, p);
        long n = in.u32();
        if (n != p.n()) {
            throw new MalformedDataException("secret key: coefficient count " + n + " is not N = " + p.n()
                    + ": the data is corrupt or hostile");
        }
        in.expectRemaining((n + 3) / 4, n + " ternary coefficients");
        int[] c = new int[(int) n];
        byte[] raw = in.array();
        int start = in.position();
        try {
            for (int i = 0; i < n; i++) {
                int code = (raw[start + (i >>> 2)] >>> (2 * (i & 3))) & 3;
                if (code == 3) {
                    throw new MalformedDataException("secret key: coefficient " + i + " has the invalid code 3: "
                            + "the data is corrupt");
                }
                c[i] = code == 2 ? -1 : code;
            }
            if ((n & 3) != 0 && (raw[start + (int) (n >>> 2)] & 0xff) >>> (2 * (n & 3)) != 0) {
                throw new MalformedDataException("secret key: nonzero padding bits: the data is corrupt");
            }
            in.skip((int) ((n + 3) / 4));
            in.expectEnd();
            return new SecretKey(c);
        } finally {
            Arrays.fill(c, 0);
        }
    }

    public static SecretKey readSecretKey(CkksContext ctx, byte[] data) {
        return readSecretKey(ctx.parameters(), data);
    }

    public static SecretKey readSecretKey(CkksParameters p, InputStream in) throws IOException {
        byte[] frame = Frames.readFrame(in, ObjectType.SECRET_KEY, Frames.frameBytes(bodyBytes(p.n())),
                "a secret key under these parameters");
        try {
            return readSecretKey(p, frame);
        } finally {
            Arrays.fill(frame, (byte) 0);
        }
    }
}
