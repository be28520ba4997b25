package org.hecnn.ckks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.PublicKey;
import org.hecnn.rlwe.SecretKey;
import org.junit.jupiter.api.Test;

/**
 * One encryptor used from many threads at once: every ciphertext decrypts to its own message and no two share a seed
 * (the shared randomness stream once threw BufferUnderflowException under concurrent use).
 */
class ConcurrentEncryptionTest {
    private static final int THREADS = 8;
    private static final int EACH = 25;

    @Test
    void secretAndPublicKeyEncryptionFromManyThreadsStayCorrectAndFresh() throws Exception {
        try (CkksContext ctx = TestContexts.context(TestContexts.small(10))) {
            CkksEncoder encoder = new CkksEncoder(ctx);
            KeyGenerator kg = KeyGenerator.secure(ctx.engine());
            SecretKey sk = kg.secretKey();
            PublicKey pk = kg.publicKey(sk);
            Decryptor decryptor = new Decryptor(ctx, sk);
            Encryptor secretKeyEncryptor = Encryptor.withSecretKey(ctx, sk);
            for (Encryptor encryptor : new Encryptor[] {secretKeyEncryptor, Encryptor.withPublicKey(ctx, pk)}) {
                ExecutorService pool = Executors.newFixedThreadPool(THREADS);
                List<Future<List<Ciphertext>>> work = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    work.add(pool.submit(() -> {
                        List<Ciphertext> out = new ArrayList<>();
                        for (int i = 0; i < EACH; i++) {
                            double[] message = new double[ctx.parameters().slots()];
                            message[0] = thread;
                            message[1] = i;
                            out.add(encryptor.encrypt(encoder.encode(message, ctx.parameters().maxLevel(),
                                    ctx.parameters().defaultScale())));
                        }
                        return out;
                    }));
                }
                Set<String> seeds = new HashSet<>();
                for (int t = 0; t < THREADS; t++) {
                    List<Ciphertext> cts = work.get(t).get();
                    for (int i = 0; i < EACH; i++) {
                        double[] got = encoder.decode(decryptor.decrypt(cts.get(i)));
                        assertEquals(t, got[0], 1e-6, "thread " + t + " message " + i);
                        assertEquals(i, got[1], 1e-6, "thread " + t + " message " + i);
                        if (cts.get(i).c1Seed() != null) {
                            assertTrue(seeds.add(java.util.HexFormat.of().formatHex(cts.get(i).c1Seed())), "a seed repeats");
                        }
                        cts.get(i).close();
                    }
                }
                pool.shutdown();
                if (encryptor == secretKeyEncryptor) {
                    assertEquals(THREADS * EACH, seeds.size(), "every secret-key ciphertext has its own seed");
                }
            }
        }
    }
}
