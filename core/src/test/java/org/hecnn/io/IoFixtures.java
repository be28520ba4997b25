package org.hecnn.io;

import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.Decryptor;
import org.hecnn.ckks.Encryptor;
import org.hecnn.ckks.TestContexts;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.EvaluationKeys;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.PublicKey;
import org.hecnn.rlwe.SecretKey;

/** One small insecure context with deterministic keys, shared by the io tests (built once per JVM). */
final class IoFixtures {
    static final int LOG_N = 10;
    static final int[] STEPS = {1, 3};

    final CkksParameters params;
    final CkksContext ctx;
    final CkksEncoder encoder;
    final SecretKey sk;
    final PublicKey pk;
    final EvaluationKeys evk;
    final Encryptor encryptor;
    final Decryptor decryptor;

    private static IoFixtures instance;

    private IoFixtures() {
        params = TestContexts.small(LOG_N);
        ctx = TestContexts.context(params);
        encoder = new CkksEncoder(ctx);
        KeyGenerator kg = KeyGenerator.insecureDeterministicForTestsOnly(ctx.engine(), new byte[32]);
        sk = kg.secretKey();
        pk = kg.publicKey(sk);
        int[] elements = new int[STEPS.length];
        for (int i = 0; i < STEPS.length; i++) {
            elements[i] = Galois.rotationElement(STEPS[i], LOG_N);
        }
        evk = kg.evaluationKeys(sk, elements);
        byte[] seed = new byte[32];
        seed[0] = 7;
        encryptor = Encryptor.withSecretKeyInsecureDeterministicForTestsOnly(ctx, sk, seed);
        decryptor = new Decryptor(ctx, sk);
    }

    static synchronized IoFixtures get() {
        if (instance == null) {
            instance = new IoFixtures();
        }
        return instance;
    }

    double[] vector(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[params.slots()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextDouble() * 2 - 1;
        }
        return v;
    }

    Ciphertext encrypt(double[] v, int level) {
        return encryptor.encrypt(encoder.encode(v, level, params.defaultScale()));
    }

    double[] decrypt(Ciphertext ct) {
        return encoder.decode(decryptor.decrypt(ct));
    }

    /** Recomputes the checksum of every frame in {@code data} whose declared length fits (after corruption). */
    static void fixChecksums(byte[] data) {
        int offset = 0;
        while (data.length - offset >= HecnnFormat.HEADER_BYTES + HecnnFormat.TRAILER_BYTES) {
            long body = (long) ByteSink.LONG_LE.get(data, offset + 8);
            if (body < 0 || body > data.length - offset - HecnnFormat.HEADER_BYTES - HecnnFormat.TRAILER_BYTES) {
                return;
            }
            int bodyEnd = (int) (offset + HecnnFormat.HEADER_BYTES + body);
            CRC32C crc = new CRC32C();
            crc.update(data, offset, bodyEnd - offset);
            ByteSink.INT_LE.set(data, bodyEnd, (int) crc.getValue());
            offset = bodyEnd + HecnnFormat.TRAILER_BYTES;
        }
    }
}
