package org.hecnn.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hecnn.HecnnException;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.io.HecnnFormat.ObjectType;
import org.hecnn.ring.RnsRing;
import org.hecnn.rlwe.EvaluationKeys;
import org.hecnn.rlwe.PublicKey;
import org.hecnn.rlwe.SwitchingKey;

/**
 * Public keys and evaluation keys. Only b and the seed of the uniform a are stored; a is expanded from the seed
 * when the key is used ({@code KeyGenerator.expandPublicKeyA}, {@code expandSwitchingKeyA}).
 *
 * <p>Public key body (type {@link ObjectType#PUBLIC_KEY}):
 * <pre>
 * binding (36) | data limb count u32 (= L+1) | seed of a (32) | b over Q
 * </pre>
 *
 * <p>Evaluation keys are an index frame (type {@link ObjectType#EVALUATION_KEYS}) followed by one frame per
 * switching key (type {@link ObjectType#SWITCHING_KEY}): first the relinearisation key if present, then the
 * Galois keys in increasing element order. Each frame has its own checksum, so a set larger than one frame can
 * hold is still one object on a stream.
 * <pre>
 * index body := binding (36) | flags u8 (bit 0: relinearisation key present) | Galois key count G u32 (&lt;= N)
 *               | G Galois elements u32 (odd, &lt; 2N, strictly increasing)
 * key body   := binding (36) | role u32 (0: relinearisation, else its Galois element) | digit count u32
 *               (= digits of a key over l+1 data limbs) | limb count u32 (= l+1+K, keys may be truncated to the
 *               levels they serve) | seed of the a_j (32) | b_0 .. b_{d-1} over Q_l·P
 * </pre>
 */
public final class KeyCodec {
    private static final int PK_FIXED = HecnnFormat.BINDING_BYTES + 4 + HecnnFormat.SEED_BYTES;
    private static final int SWK_FIXED = HecnnFormat.BINDING_BYTES + 4 + 4 + 4 + HecnnFormat.SEED_BYTES;
    private static final int INDEX_FIXED = HecnnFormat.BINDING_BYTES + 1 + 4;

    private KeyCodec() {
    }

    // ---- public key -----------------------------------------------------------------------------------------

    static long publicKeyBodyBytes(RnsRing ring) {
        return PK_FIXED + PolyCodec.bytes(ring, ring.qCount(), false);
    }

    public static byte[] writePublicKey(CkksParameters p, PublicKey key) {
        Binding.checkWritable(p);
        RnsRing ring = p.ring();
        checkSeed(key.seed(), "public key");
        PolyCodec.checkShape(ring, key.b(), ring.qCount(), false, "public key b");
        return Frames.frame(ObjectType.PUBLIC_KEY, publicKeyBodyBytes(ring), s -> {
            Binding.write(s, p);
            s.u32(ring.qCount());
            s.bytes(key.seed());
            PolyCodec.write(s, ring, key.b(), ring.qCount(), "public key b");
        });
    }

    public static void writePublicKey(CkksParameters p, PublicKey key, OutputStream out) throws IOException {
        out.write(writePublicKey(p, key));
    }

    public static PublicKey readPublicKey(CkksParameters p, byte[] data) {
        ByteSource in = Frames.open(data, 0, ObjectType.PUBLIC_KEY, true).body();
        Binding.check(in, p);
        RnsRing ring = p.ring();
        long ql = in.u32();
        if (ql != ring.qCount()) {
            throw new MalformedDataException("public key: limb count " + ql + " is not the " + ring.qCount()
                    + " data limbs of these parameters: the data is corrupt or hostile");
        }
        in.expectRemaining(publicKeyBodyBytes(ring) - HecnnFormat.BINDING_BYTES - 4, "a public key");
        byte[] seed = in.bytes(HecnnFormat.SEED_BYTES);
        long[][] b = PolyCodec.read(in, ring, ring.qCount(), false, "b ");
        in.expectEnd();
        return new PublicKey(b, seed);
    }

    public static PublicKey readPublicKey(CkksContext ctx, byte[] data) {
        return readPublicKey(ctx.parameters(), data);
    }

    public static PublicKey readPublicKey(CkksParameters p, InputStream in) throws IOException {
        return readPublicKey(p, Frames.readFrame(in, ObjectType.PUBLIC_KEY,
                Frames.frameBytes(publicKeyBodyBytes(p.ring())), "a public key under these parameters"));
    }

    // ---- switching keys -------------------------------------------------------------------------------------

    /** Body size of the largest switching key: one over all data limbs. */
    static long switchingKeyBodyBytes(RnsRing ring) {
        return switchingKeyBodyBytes(ring, ring.qCount());
    }

    /** Body size of a switching key covering {@code ql} data limbs (keys may be truncated to the levels used). */
    static long switchingKeyBodyBytes(RnsRing ring, int ql) {
        return SWK_FIXED + (long) ring.digitCount(ql) * PolyCodec.bytes(ring, ql, true);
    }

    static long indexBodyBytes(long galoisCount) {
        return INDEX_FIXED + 4 * galoisCount;
    }

    private static void checkSeed(byte[] seed, String what) {
        if (seed == null || seed.length != HecnnFormat.SEED_BYTES) {
            throw new IllegalArgumentException(what + " needs a " + HecnnFormat.SEED_BYTES + "-byte seed");
        }
    }

    private static void checkGaloisElement(RnsRing ring, long g, String what) {
        if ((g & 1) == 0 || g < 1 || g >= 2L * ring.n()) {
            throw new MalformedDataException(what + ": Galois element " + g + " is not odd and below 2N = "
                    + 2L * ring.n() + ": the data is corrupt");
        }
    }

    private static byte[] switchingKeyFrame(CkksParameters p, SwitchingKey key, int role) {
        RnsRing ring = p.ring();
        String what = role == 0 ? "relinearisation key" : "Galois key " + role;
        checkSeed(key.seed(), what);
        int ql = key.b() == null || key.b().length == 0 ? 0 : key.b()[0].length - ring.pCount();
        if (ql < 1 || ql > ring.qCount() || key.b().length != ring.digitCount(ql)) {
            throw new IllegalArgumentException(what + " has " + (key.b() == null ? 0 : key.b().length)
                    + " digits over " + ql + " data limbs, which these parameters cannot have");
        }
        for (int j = 0; j < key.b().length; j++) {
            PolyCodec.checkShape(ring, key.b()[j], ql, true, what + " digit " + j);
        }
        return Frames.frame(ObjectType.SWITCHING_KEY, switchingKeyBodyBytes(ring, ql), s -> {
            Binding.write(s, p);
            s.u32(role);
            s.u32(key.b().length);
            s.u32(ql + ring.pCount());
            s.bytes(key.seed());
            for (long[][] bj : key.b()) {
                PolyCodec.write(s, ring, bj, ql, what);
            }
        });
    }

    private static SwitchingKey parseSwitchingKey(CkksParameters p, ByteSource in, int expectedRole) {
        Binding.check(in, p);
        RnsRing ring = p.ring();
        long role = in.u32();
        if (role != expectedRole) {
            throw new MalformedDataException("switching key: it is for " + roleName(role) + " where the index "
                    + "promised " + roleName(expectedRole) + ": the data is corrupt");
        }
        long digits = in.u32();
        long limbs = in.u32();
        long ql = limbs - ring.pCount();
        if (ql < 1 || ql > ring.qCount()) {
            throw new MalformedDataException("switching key: limb count " + limbs + " is not between "
                    + (ring.pCount() + 1) + " and " + (ring.qCount() + ring.pCount()) + " (data limbs plus the "
                    + ring.pCount() + " special ones) for these parameters: the data is corrupt or hostile");
        }
        if (digits != ring.digitCount((int) ql)) {
            throw new MalformedDataException("switching key: digit count " + digits + " is not the "
                    + ring.digitCount((int) ql) + " digits a key over " + ql + " data limbs has under these "
                    + "parameters: the data is corrupt or hostile");
        }
        in.expectRemaining(switchingKeyBodyBytes(ring, (int) ql) - SWK_FIXED + HecnnFormat.SEED_BYTES,
                "a switching key of " + digits + " digits");
        byte[] seed = in.bytes(HecnnFormat.SEED_BYTES);
        long[][][] b = new long[(int) digits][][];
        for (int j = 0; j < digits; j++) {
            b[j] = PolyCodec.read(in, ring, (int) ql, true, "digit " + j + " ");
        }
        in.expectEnd();
        return new SwitchingKey(b, seed);
    }

    private static String roleName(long role) {
        return role == 0 ? "relinearisation" : "Galois element " + role;
    }

    // ---- evaluation keys ------------------------------------------------------------------------------------

    private static byte[] indexFrame(CkksParameters p, EvaluationKeys keys) {
        return indexFrame(p, keys.relinearization() != null, new ArrayList<>(keys.galois().keySet()));
    }

    private static byte[] indexFrame(CkksParameters p, boolean relin, List<Integer> elements) {
        RnsRing ring = p.ring();
        for (int g : elements) {
            if ((g & 1) == 0 || g < 1 || g >= 2 * ring.n()) {
                throw new IllegalArgumentException("Galois element " + g + " is not odd and below 2N = "
                        + 2 * ring.n());
            }
        }
        return Frames.frame(ObjectType.EVALUATION_KEYS, indexBodyBytes(elements.size()), s -> {
            Binding.write(s, p);
            s.u8(relin ? 1 : 0);
            s.u32(elements.size());
            elements.forEach(s::u32);
        });
    }

    /** Makes one key on demand (so a large set is generated and written one key at a time). */
    @FunctionalInterface
    public interface KeySource {
        SwitchingKey key(int role) throws IOException;
    }

    /** Receives keys as they are read: role 0 is the relinearisation key, otherwise the Galois element. */
    @FunctionalInterface
    public interface KeySink {
        void accept(int role, SwitchingKey key);
    }

    /**
     * Writes an evaluation-key set without holding it: the index (relinearisation key if {@code relin}, then the
     * Galois elements in increasing order), then each key as {@code source} makes it.
     */
    public static void writeEvaluationKeys(CkksParameters p, boolean relin, int[] elements, KeySource source,
                                           OutputStream out) throws IOException {
        Binding.checkWritable(p);
        List<Integer> sorted = new ArrayList<>();
        for (int g : elements) {
            sorted.add(g);
        }
        java.util.Collections.sort(sorted);
        out.write(indexFrame(p, relin, sorted));
        if (relin) {
            out.write(switchingKeyFrame(p, source.key(0), 0));
        }
        for (int g : sorted) {
            out.write(switchingKeyFrame(p, source.key(g), g));
        }
    }

    /** Writes the index and every key to {@code out}, one frame at a time (no size limit for the whole set). */
    public static void writeEvaluationKeys(CkksParameters p, EvaluationKeys keys, OutputStream out)
            throws IOException {
        Binding.checkWritable(p);
        out.write(indexFrame(p, keys));
        if (keys.relinearization() != null) {
            out.write(switchingKeyFrame(p, keys.relinearization(), 0));
        }
        for (Map.Entry<Integer, SwitchingKey> e : keys.galois().entrySet()) {
            out.write(switchingKeyFrame(p, e.getValue(), e.getKey()));
        }
    }

    /** The whole set as one array; a set above 2 GiB needs the stream variant. */
    public static byte[] writeEvaluationKeys(CkksParameters p, EvaluationKeys keys) {
        long total = Frames.frameBytes(indexBodyBytes(keys.galois().size()))
                + (keys.galois().size() + (keys.relinearization() != null ? 1L : 0L))
                * Frames.frameBytes(switchingKeyBodyBytes(p.ring()));
        if (total > HecnnFormat.MAX_BODY_BYTES) {
            throw new HecnnException("the evaluation keys take " + total + " bytes, more than one array holds: use "
                    + "writeEvaluationKeys(parameters, keys, OutputStream)");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) total);
        try {
            writeEvaluationKeys(p, keys, out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    private record Index(boolean relin, int[] elements) {
        int keyCount() {
            return elements.length + (relin ? 1 : 0);
        }

        int role(int k) {
            return relin ? (k == 0 ? 0 : elements[k - 1]) : elements[k];
        }
    }

    private static Index parseIndex(CkksParameters p, ByteSource in) {
        Binding.check(in, p);
        RnsRing ring = p.ring();
        int flags = in.u8();
        if ((flags & ~1) != 0) {
            throw new MalformedDataException("evaluation keys: unknown flags 0x" + Integer.toHexString(flags)
                    + ": the data is corrupt or from a newer writer");
        }
        long count = in.u32();
        if (count > ring.n()) {
            throw new MalformedDataException("evaluation keys: Galois key count " + count + " exceeds N = "
                    + ring.n() + ", the number of distinct Galois elements: the data is corrupt or hostile");
        }
        in.expectRemaining(4 * count, count + " Galois elements");
        int[] elements = new int[(int) count];
        long previous = 0;
        for (int i = 0; i < count; i++) {
            long g = in.u32();
            checkGaloisElement(ring, g, "evaluation keys");
            if (g <= previous) {
                throw new MalformedDataException("evaluation keys: Galois element " + g + " follows " + previous
                        + "; elements must be strictly increasing: the data is corrupt");
            }
            elements[i] = (int) g;
            previous = g;
        }
        in.expectEnd();
        return new Index((flags & 1) != 0, elements);
    }

    private static EvaluationKeys assemble(Index index, SwitchingKey[] keys) {
        SwitchingKey relin = index.relin ? keys[0] : null;
        Map<Integer, SwitchingKey> galois = new LinkedHashMap<>();
        for (int i = 0; i < index.elements.length; i++) {
            galois.put(index.elements[i], keys[i + (index.relin ? 1 : 0)]);
        }
        return new EvaluationKeys(relin, galois);
    }

    public static EvaluationKeys readEvaluationKeys(CkksParameters p, byte[] data) {
        Frames.Opened head = Frames.open(data, 0, ObjectType.EVALUATION_KEYS, false);
        Index index = parseIndex(p, head.body());
        // Keys may be truncated to the levels they serve, so each key frame is between the smallest and the
        // largest key size; the frames themselves carry their exact lengths.
        long smallest = Frames.frameBytes(switchingKeyBodyBytes(p.ring(), 1));
        long largest = Frames.frameBytes(switchingKeyBodyBytes(p.ring()));
        long available = data.length - head.end();
        if (index.keyCount() * smallest > available) {
            throw new MalformedDataException("evaluation keys: the index promises " + index.keyCount() + " keys (at "
                    + "least " + (head.end() + index.keyCount() * smallest) + " bytes in all) but the data has "
                    + data.length + " bytes: truncated");
        }
        if (index.keyCount() * largest < available) {
            throw new MalformedDataException("evaluation keys: " + available + " bytes follow the index, more than "
                    + index.keyCount() + " keys can hold: unexpected extra bytes");
        }
        SwitchingKey[] keys = new SwitchingKey[index.keyCount()];
        int offset = head.end();
        for (int k = 0; k < keys.length; k++) {
            Frames.Opened f = Frames.open(data, offset, ObjectType.SWITCHING_KEY, false);
            keys[k] = parseSwitchingKey(p, f.body(), index.role(k));
            offset = f.end();
        }
        if (offset != data.length) {
            throw new MalformedDataException("evaluation keys: " + (data.length - offset) + " unexpected bytes after "
                    + "the last key");
        }
        return assemble(index, keys);
    }

    public static EvaluationKeys readEvaluationKeys(CkksContext ctx, byte[] data) {
        return readEvaluationKeys(ctx.parameters(), data);
    }

    /** Reads a set from a stream, refusing it once it would exceed {@code maxBytes} in all. */
    public static EvaluationKeys readEvaluationKeys(CkksParameters p, InputStream in, long maxBytes)
            throws IOException {
        Map<Integer, SwitchingKey> read = new LinkedHashMap<>();
        boolean relin = readEvaluationKeys(p, in, maxBytes, read::put);
        Map<Integer, SwitchingKey> galois = new LinkedHashMap<>(read);
        galois.remove(0);
        return new EvaluationKeys(relin ? read.get(0) : null, galois);
    }

    /**
     * Reads a set from a stream and hands every key to {@code sink} as soon as it is read and checked, so the
     * caller can move it to its engine without ever holding the whole set; returns whether a relinearisation key
     * was present.
     */
    public static boolean readEvaluationKeys(CkksParameters p, InputStream in, long maxBytes, KeySink sink)
            throws IOException {
        RnsRing ring = p.ring();
        long indexMax = Frames.frameBytes(indexBodyBytes(ring.n()));
        byte[] head = Frames.readFrame(in, ObjectType.EVALUATION_KEYS, Math.min(indexMax, maxBytes),
                maxBytes < indexMax ? "the caller's limit" : "the largest index these parameters allow");
        Index index = parseIndex(p, Frames.open(head, 0, ObjectType.EVALUATION_KEYS, true).body());
        // Keys may be truncated to the levels they serve: the smallest possible set must fit the limit up front,
        // and every frame is bounded by the largest key and by what is left of the limit.
        long keyFrame = Frames.frameBytes(switchingKeyBodyBytes(ring));
        long smallest = head.length + index.keyCount() * Frames.frameBytes(switchingKeyBodyBytes(ring, 1));
        if (smallest > maxBytes) {
            throw new MalformedDataException("evaluation keys: the index promises " + index.keyCount() + " keys, at "
                    + "least " + smallest + " bytes in all, more than the caller's limit (" + maxBytes + ")");
        }
        long left = maxBytes - head.length;
        for (int k = 0; k < index.keyCount(); k++) {
            long bound = Math.min(keyFrame, left);
            byte[] frame = Frames.readFrame(in, ObjectType.SWITCHING_KEY, bound,
                    bound < keyFrame ? "the caller's limit" : "a switching key under these parameters");
            left -= frame.length;
            sink.accept(index.role(k), parseSwitchingKey(p, Frames.open(frame, 0, ObjectType.SWITCHING_KEY, true)
                    .body(), index.role(k)));
        }
        return index.relin;
    }
}
