package org.hecnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.Encryptor;
import org.hecnn.ckks.Evaluator;
import org.hecnn.ckks.TestContexts;
import org.hecnn.ring.Galois;
import org.hecnn.ring.RnsRing;
import org.hecnn.rlwe.EvaluationKeys;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.PublicKey;
import org.hecnn.rlwe.SecretKey;
import org.junit.jupiter.api.Test;

/**
 * Serialised sizes at N = 2^14 with 8 data primes (a 128-bit set), printed against plain 64-bit words (about 2 s
 * on the reference backend).
 */
class SizeReportTest {
    @Test
    void sizesAtLogN14() {
        CkksParameters p = CkksParameters.builder().logN(14).dataPrimeBits(50, 40, 40, 40, 40, 40, 40, 40)
                .specialPrimeBits(54, 54).scaleBits(40).build();
        try (CkksContext ctx = TestContexts.context(p)) {
            RnsRing ring = ctx.ring();
            KeyGenerator kg = KeyGenerator.secure(ctx.engine());
            SecretKey sk = kg.secretKey();
            PublicKey pk = kg.publicKey(sk);
            EvaluationKeys evk = kg.evaluationKeys(sk, Galois.rotationElement(1, p.logN()));
            CkksEncoder enc = new CkksEncoder(ctx);
            Ciphertext fresh = Encryptor.withSecretKey(ctx, sk).encrypt(enc.encode(new double[] {1, 2, 3},
                    p.maxLevel(), p.defaultScale()));
            Ciphertext processed = new Evaluator(ctx, evk).negate(fresh);
            Ciphertext publicFresh = Encryptor.withPublicKey(ctx, pk).encrypt(enc.encode(new double[] {1},
                    p.maxLevel(), p.defaultScale()));
            int ql = p.maxLevel() + 1;
            long words = PolyCodec.unpackedBytes(ring, ql, false);
            System.out.println(p);
            row("parameters", ParametersCodec.write(p).length, 0);
            long seeded = CiphertextCodec.write(fresh).length;
            long full = CiphertextCodec.write(processed).length;
            row("ciphertext, fresh secret-key (seeded)", seeded, 2 * words);
            row("ciphertext, processed (2 parts)", full, 2 * words);
            assertEquals(0.5, (double) seeded / full, 0.01);
            assertEquals(2 * PolyCodec.bytes(ring, ql, false), full, 100);
            row("ciphertext, public-key encrypted", CiphertextCodec.write(publicFresh).length, 2 * words);
            Ciphertext low = new Evaluator(ctx, evk).dropToLevel(processed, 0);
            row("ciphertext, processed at level 0", CiphertextCodec.write(low).length,
                    2 * PolyCodec.unpackedBytes(ring, 1, false));
            row("public key (b + seed)", KeyCodec.writePublicKey(p, pk).length, 2 * words);
            long keyWords = 2L * ring.dnum() * PolyCodec.unpackedBytes(ring, ql, true);
            byte[] evkBytes = KeyCodec.writeEvaluationKeys(p, evk);
            row("evaluation keys (relin + 1 Galois)", evkBytes.length, 2 * keyWords);
            row("one switching key", Frames.frameBytes(KeyCodec.switchingKeyBodyBytes(ring)), keyWords);
            row("secret key (unprotected)", SecretKeyCodec.writeSecretKeyUnprotected(p, sk).length, 8L * p.n());
            assertEquals(evk.galois().keySet(), KeyCodec.readEvaluationKeys(p, evkBytes).galois().keySet());
        }
    }

    static void row(String what, long bytes, long wordsBaseline) {
        System.out.printf("SIZE %-40s %10d bytes%s%n", what, bytes, wordsBaseline == 0 ? ""
                : String.format("   (both components as 64-bit words: %d bytes, %.1f%%)", wordsBaseline,
                100.0 * bytes / wordsBaseline));
    }
}
