package org.hecnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.ParameterMismatchException;
import org.hecnn.ckks.TestContexts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

/** Hand-made bad inputs: each is refused with a typed exception whose message says what was wrong. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MalformedInputTest {
    /** A reader may allocate this much for its own bookkeeping while refusing hostile input, not more. */
    static final long ALLOCATION_LIMIT = 1 << 20;

    final IoFixtures f = IoFixtures.get();
    CkksContext foreign;
    byte[] seededCt;
    byte[] plainCt;
    byte[] evk;

    @BeforeAll
    void setUp() {
        foreign = TestContexts.context(CkksParameters.builder().logN(IoFixtures.LOG_N).dataPrimeBits(55, 40, 40)
                .specialPrimeBits(60).scaleBits(40).allowInsecureForTestsOnly().build());
        seededCt = CiphertextCodec.write(f.encrypt(f.vector(1), f.params.maxLevel()));
        plainCt = CiphertextCodec.write(new org.hecnn.ckks.Evaluator(f.ctx, f.evk).negate(
                f.encrypt(f.vector(2), 1)));
        evk = KeyCodec.writeEvaluationKeys(f.params, f.evk);
    }

    @AfterAll
    void tearDown() {
        if (foreign != null) {
            foreign.close();
        }
    }

    static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** Asserts the call throws {@code type} with a message containing {@code fragment}, allocating little. */
    static <T extends Throwable> T refused(Class<T> type, String fragment, Executable call) {
        long before = allocatedBytes();
        T e = assertThrows(type, call);
        long allocated = allocatedBytes() - before;
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
        assertTrue(allocated < ALLOCATION_LIMIT, "allocated " + allocated + " bytes while refusing: " + e.getMessage());
        return e;
    }

    static byte[] withU32(byte[] data, int offset, long value) {
        byte[] out = data.clone();
        ByteSink.INT_LE.set(out, offset, (int) value);
        IoFixtures.fixChecksums(out);
        return out;
    }

    static final int BODY = HecnnFormat.HEADER_BYTES;
    static final int AFTER_BINDING = BODY + HecnnFormat.BINDING_BYTES;

    @Test
    void headerProblemsAreNamed() {
        refused(MalformedDataException.class, "wrong object type: expected CIPHERTEXT, found PUBLIC_KEY",
                () -> CiphertextCodec.read(f.ctx, KeyCodec.writePublicKey(f.params, f.pk)));
        byte[] v9 = seededCt.clone();
        v9[4] = 9;
        refused(MalformedDataException.class, "format version 9 is newer than this reader (1): upgrade hecnn",
                () -> CiphertextCodec.read(f.ctx, v9));
        byte[] notOurs = seededCt.clone();
        notOurs[0] = 'X';
        refused(MalformedDataException.class, "not a hecnn object", () -> CiphertextCodec.read(f.ctx, notOurs));
        byte[] tag = seededCt.clone();
        tag[6] = 42;
        IoFixtures.fixChecksums(tag);
        refused(MalformedDataException.class, "unknown object type tag 42", () -> CiphertextCodec.read(f.ctx, tag));
        byte[] flipped = seededCt.clone();
        flipped[1000] ^= 4;
        refused(MalformedDataException.class, "checksum mismatch: the data was corrupted in transit or storage",
                () -> CiphertextCodec.read(f.ctx, flipped));
        refused(MalformedDataException.class, "truncated: expected a 16-byte header",
                () -> CiphertextCodec.read(f.ctx, new byte[0]));
        refused(MalformedDataException.class, "truncated: the header declares a body of",
                () -> CiphertextCodec.read(f.ctx, Arrays.copyOf(seededCt, seededCt.length - 1)));
        refused(MalformedDataException.class, "1 unexpected bytes after the end of the object",
                () -> CiphertextCodec.read(f.ctx, Arrays.copyOf(seededCt, seededCt.length + 1)));
    }

    @Test
    void hostileBodyLengthIsRefusedWithoutReading() {
        byte[] huge = seededCt.clone();
        ByteSink.LONG_LE.set(huge, 8, 1L << 62);
        refused(MalformedDataException.class, "more than this reader accepts", () -> CiphertextCodec.read(f.ctx, huge));
        ByteSink.LONG_LE.set(huge, 8, Integer.MAX_VALUE - 100L);
        refused(MalformedDataException.class, "truncated", () -> CiphertextCodec.read(f.ctx, huge));
        // an endless stream behind a header that declares 2 GB: refused from the header alone
        InputStream endless = new SequenceInputStream(new ByteArrayInputStream(Arrays.copyOf(huge, 16)),
                new InputStream() {
                    @Override
                    public int read() {
                        return 0;
                    }
                });
        refused(MalformedDataException.class, "more than the largest ciphertext these parameters allow",
                () -> CiphertextCodec.read(f.ctx, endless));
        refused(MalformedDataException.class, "truncated: the stream ended",
                () -> CiphertextCodec.read(f.ctx, new ByteArrayInputStream(Arrays.copyOf(seededCt, 5000))));
    }

    @Test
    void hostileCountsAreRefusedBeforeAllocation() {
        int partsAt = AFTER_BINDING;
        int limbsAt = AFTER_BINDING + 4;
        refused(MalformedDataException.class, "limb count 2147483647 is outside 1..5",
                () -> CiphertextCodec.read(f.ctx, withU32(seededCt, limbsAt, Integer.MAX_VALUE)));
        refused(MalformedDataException.class, "limb count 4294967295 is outside 1..5",
                () -> CiphertextCodec.read(f.ctx, withU32(seededCt, limbsAt, 0xffffffffL)));
        refused(MalformedDataException.class, "limb count 0",
                () -> CiphertextCodec.read(f.ctx, withU32(seededCt, limbsAt, 0)));
        refused(MalformedDataException.class, "part count 2147483647 is not 2 or 3",
                () -> CiphertextCodec.read(f.ctx, withU32(plainCt, partsAt, Integer.MAX_VALUE)));
        refused(MalformedDataException.class, "needs",
                () -> CiphertextCodec.read(f.ctx, withU32(plainCt, partsAt, 3)));
        refused(MalformedDataException.class, "needs",
                () -> CiphertextCodec.read(f.ctx, withU32(seededCt, limbsAt, 4)));
        byte[] seeded3 = withU32(seededCt, partsAt, 3);
        refused(MalformedDataException.class, "a seed-compressed ciphertext has 2 parts, not 3",
                () -> CiphertextCodec.read(f.ctx, seeded3));

        byte[] pt = PlaintextCodec.write(f.encoder.encode(f.vector(3), 2, f.params.defaultScale()));
        refused(MalformedDataException.class, "plaintext: limb count 2147483647",
                () -> PlaintextCodec.read(f.ctx, withU32(pt, AFTER_BINDING, Integer.MAX_VALUE)));

        byte[] pk = KeyCodec.writePublicKey(f.params, f.pk);
        refused(MalformedDataException.class, "public key: limb count 2147483647",
                () -> KeyCodec.readPublicKey(f.params, withU32(pk, AFTER_BINDING, Integer.MAX_VALUE)));

        byte[] sk = SecretKeyCodec.writeSecretKeyUnprotected(f.params, f.sk);
        refused(MalformedDataException.class, "secret key: coefficient count 2147483647 is not N = 1024",
                () -> SecretKeyCodec.readSecretKey(f.params, withU32(sk, AFTER_BINDING, Integer.MAX_VALUE)));

        int countAt = AFTER_BINDING + 1;
        refused(MalformedDataException.class, "Galois key count 2147483647 exceeds N = 1024",
                () -> KeyCodec.readEvaluationKeys(f.params, withU32(evk, countAt, Integer.MAX_VALUE)));
        refused(MalformedDataException.class, "1024 Galois elements",
                () -> KeyCodec.readEvaluationKeys(f.params, withU32(evk, countAt, 1024)));
        int indexEnd = HecnnFormat.HEADER_BYTES + HecnnFormat.TRAILER_BYTES
                + (int) KeyCodec.indexBodyBytes(IoFixtures.STEPS.length);
        int keyBody = indexEnd + HecnnFormat.HEADER_BYTES + HecnnFormat.BINDING_BYTES;
        refused(MalformedDataException.class, "digit count 2147483647 is not the 3 digits",
                () -> KeyCodec.readEvaluationKeys(f.params, withU32(evk, keyBody + 4, Integer.MAX_VALUE)));
        refused(MalformedDataException.class, "limb count 2147483647 is not between 3 and 7",
                () -> KeyCodec.readEvaluationKeys(f.params, withU32(evk, keyBody + 8, Integer.MAX_VALUE)));
        refused(MalformedDataException.class, "where the index promised relinearisation",
                () -> KeyCodec.readEvaluationKeys(f.params, withU32(evk, keyBody, 5)));
        refused(MalformedDataException.class, "Galois element 4 is not odd",
                () -> KeyCodec.readEvaluationKeys(f.params, withU32(evk, countAt + 4, 4)));
        refused(MalformedDataException.class, "Galois element 2049 is not odd and below 2N = 2048",
                () -> KeyCodec.readEvaluationKeys(f.params, withU32(evk, countAt + 4, 2049)));
        refused(MalformedDataException.class, "strictly increasing",
                () -> KeyCodec.readEvaluationKeys(f.params, withU32(evk, countAt + 8, 5)));
        // a stream index promising N keys is refused against the caller's limit before any key is read
        byte[] manyKeys = withU32(evk, countAt, 1024);
        byte[] index = new byte[(int) Frames.frameBytes(KeyCodec.indexBodyBytes(1024))];
        System.arraycopy(manyKeys, 0, index, 0, HecnnFormat.HEADER_BYTES + HecnnFormat.BINDING_BYTES + 5);
        ByteSink.LONG_LE.set(index, 8, KeyCodec.indexBodyBytes(1024));
        for (int i = 0; i < 1024; i++) {
            ByteSink.INT_LE.set(index, AFTER_BINDING + 5 + 4 * i, 2 * i + 1);
        }
        IoFixtures.fixChecksums(index);
        refused(MalformedDataException.class, "more than the caller's limit",
                () -> KeyCodec.readEvaluationKeys(f.params, new ByteArrayInputStream(index), 10_000_000));
        refused(MalformedDataException.class, "truncated",
                () -> KeyCodec.readEvaluationKeys(f.params, new ByteArrayInputStream(index), Long.MAX_VALUE));
    }

    @Test
    void valuesOutsideTheirRangeAreNamed() {
        byte[] big = seededCt.clone();
        int c0 = AFTER_BINDING + 4 + 4 + 8 + 1;
        Arrays.fill(big, c0, c0 + 7, (byte) 0xff);
        IoFixtures.fixChecksums(big);
        long q0 = f.params.dataPrimes().get(0);
        refused(MalformedDataException.class, "ciphertext: part 0 limb 0 coefficient 0 = " + ((1L << 55) - 1)
                + " is not below its modulus q_0 = " + q0 + ": the data is corrupt",
                () -> CiphertextCodec.read(f.ctx, big));
        byte[] nan = seededCt.clone();
        ByteSink.LONG_LE.set(nan, AFTER_BINDING + 8, Double.doubleToLongBits(Double.NaN));
        IoFixtures.fixChecksums(nan);
        refused(MalformedDataException.class, "scale NaN", () -> CiphertextCodec.read(f.ctx, nan));
        byte[] flags = seededCt.clone();
        flags[AFTER_BINDING + 16] = 2;
        IoFixtures.fixChecksums(flags);
        refused(MalformedDataException.class, "unknown flags 0x2", () -> CiphertextCodec.read(f.ctx, flags));

        byte[] sk = SecretKeyCodec.writeSecretKeyUnprotected(f.params, f.sk);
        sk[AFTER_BINDING + 4] = (byte) 0xff;
        IoFixtures.fixChecksums(sk);
        refused(MalformedDataException.class, "invalid code 3", () -> SecretKeyCodec.readSecretKey(f.params, sk));

        byte[] params = ParametersCodec.write(f.params);
        byte[] badPrime = params.clone();
        ByteSink.LONG_LE.set(badPrime, BODY + 16, 1_000_000L);
        IoFixtures.fixChecksums(badPrime);
        refused(MalformedDataException.class, "do not form a valid set",
                () -> ParametersCodec.read(badPrime, true));
        byte[] badLogN = params.clone();
        badLogN[BODY] = 40;
        IoFixtures.fixChecksums(badLogN);
        refused(MalformedDataException.class, "logN = 40", () -> ParametersCodec.read(badLogN, true));
        byte[] badFingerprint = params.clone();
        badFingerprint[badFingerprint.length - 5] ^= 1;
        IoFixtures.fixChecksums(badFingerprint);
        refused(MalformedDataException.class, "stored fingerprint does not match",
                () -> ParametersCodec.read(badFingerprint, true));
        byte[] notInsecure = params.clone();
        notInsecure[BODY + 3] = 0;
        IoFixtures.fixChecksums(notInsecure);
        refused(MalformedDataException.class, "marked secure but is insecure",
                () -> ParametersCodec.read(notInsecure, true));
        byte[] dnum = params.clone();
        ByteSink.INT_LE.set(dnum, BODY + 4, Integer.MAX_VALUE);
        IoFixtures.fixChecksums(dnum);
        refused(MalformedDataException.class, "dnum = 2147483647", () -> ParametersCodec.read(dnum, true));
    }

    @Test
    void foreignObjectsAreRefusedBeforeAllocation() {
        String made = "was made for parameters N = 2^10 with 5 data primes and 2 special primes";
        String[] fragments = {made, foreign.parameters().toString()};
        for (String fragment : fragments) {
            refused(ParameterMismatchException.class, fragment, () -> CiphertextCodec.read(foreign, seededCt));
        }
        refused(ParameterMismatchException.class, "plaintext " + made, () -> PlaintextCodec.read(foreign,
                PlaintextCodec.write(f.encoder.encode(f.vector(4), 0, f.params.defaultScale()))));
        refused(ParameterMismatchException.class, "public key " + made,
                () -> KeyCodec.readPublicKey(foreign, KeyCodec.writePublicKey(f.params, f.pk)));
        refused(ParameterMismatchException.class, "evaluation keys " + made,
                () -> KeyCodec.readEvaluationKeys(foreign, evk));
        refused(ParameterMismatchException.class, "evaluation keys " + made,
                () -> KeyCodec.readEvaluationKeys(foreign.parameters(), new ByteArrayInputStream(evk), evk.length));
        refused(ParameterMismatchException.class, "secret key " + made, () -> SecretKeyCodec.readSecretKey(foreign,
                SecretKeyCodec.writeSecretKeyUnprotected(f.params, f.sk)));
        // a ciphertext made in the foreign context is refused by ours, naming ours
        org.hecnn.rlwe.SecretKey foreignKey = org.hecnn.rlwe.KeyGenerator.insecureDeterministicForTestsOnly(
                foreign.engine(), new byte[32]).secretKey();
        byte[] theirs = CiphertextCodec.write(org.hecnn.ckks.Encryptor.withSecretKey(foreign, foreignKey).encrypt(
                new org.hecnn.ckks.CkksEncoder(foreign).encode(f.vector(5), 0, f.params.defaultScale())));
        refused(ParameterMismatchException.class, "with 3 data primes and 1 special primes",
                () -> CiphertextCodec.read(f.ctx, theirs));
        refused(ParameterMismatchException.class, f.params.toString(), () -> CiphertextCodec.read(f.ctx, theirs));
    }
}
