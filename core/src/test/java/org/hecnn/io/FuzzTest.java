package org.hecnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.InsecureParametersException;
import org.hecnn.ckks.ParameterMismatchException;
import org.hecnn.io.HecnnFormat.ObjectType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Seeded fuzzing of every reader: truncation at every prefix, single-byte corruption (always detected),
 * structural corruption behind a recomputed checksum, random bytes and random bodies in valid frames. Only
 * the typed exceptions may come out.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FuzzTest {
    final IoFixtures f = IoFixtures.get();

    /** A reader under test: reads {@code data} as one object (byte array or stream). */
    interface Reader {
        Object read(byte[] data) throws Exception;
    }

    record Target(String name, ObjectType type, byte[] bytes, Reader array, Reader stream) {
    }

    Target[] targets;

    @BeforeAll
    void setUp() {
        Ciphertext fresh = f.encrypt(f.vector(1), f.params.maxLevel());
        Ciphertext lowProcessed = new org.hecnn.ckks.Evaluator(f.ctx, f.evk).negate(f.encrypt(f.vector(2), 0));
        targets = new Target[] {
            new Target("parameters", ObjectType.PARAMETERS, ParametersCodec.write(f.params),
                    d -> ParametersCodec.read(d, true),
                    d -> ParametersCodec.read(new ByteArrayInputStream(d), true)),
            new Target("seeded ciphertext", ObjectType.CIPHERTEXT, CiphertextCodec.write(fresh),
                    d -> CiphertextCodec.read(f.ctx, d),
                    d -> CiphertextCodec.read(f.ctx, new ByteArrayInputStream(d))),
            new Target("level-0 ciphertext", ObjectType.CIPHERTEXT, CiphertextCodec.write(lowProcessed),
                    d -> CiphertextCodec.read(f.ctx, d),
                    d -> CiphertextCodec.read(f.ctx, new ByteArrayInputStream(d))),
            new Target("plaintext", ObjectType.PLAINTEXT,
                    PlaintextCodec.write(f.encoder.encode(f.vector(3), 0, f.params.defaultScale())),
                    d -> PlaintextCodec.read(f.ctx, d),
                    d -> PlaintextCodec.read(f.ctx, new ByteArrayInputStream(d))),
            new Target("public key", ObjectType.PUBLIC_KEY, KeyCodec.writePublicKey(f.params, f.pk),
                    d -> KeyCodec.readPublicKey(f.params, d),
                    d -> KeyCodec.readPublicKey(f.params, new ByteArrayInputStream(d))),
            new Target("secret key", ObjectType.SECRET_KEY, SecretKeyCodec.writeSecretKeyUnprotected(f.params, f.sk),
                    d -> SecretKeyCodec.readSecretKey(f.params, d),
                    d -> SecretKeyCodec.readSecretKey(f.params, new ByteArrayInputStream(d))),
            new Target("evaluation keys", ObjectType.EVALUATION_KEYS, KeyCodec.writeEvaluationKeys(f.params, f.evk),
                    d -> KeyCodec.readEvaluationKeys(f.params, d),
                    d -> KeyCodec.readEvaluationKeys(f.params, new ByteArrayInputStream(d), Long.MAX_VALUE)),
        };
    }

    /** Runs the reader; returns the exception type if it was a typed refusal, null if it read; fails otherwise. */
    static Class<?> outcome(Reader reader, byte[] data, String context) {
        try {
            reader.read(data);
            return null;
        } catch (MalformedDataException | ParameterMismatchException | InsecureParametersException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
            return e.getClass();
        } catch (Throwable t) {
            throw new AssertionError(context + ": untyped " + t, t);
        }
    }

    static void mustRefuse(Reader reader, byte[] data, String context) {
        Class<?> c = outcome(reader, data, context);
        if (c == null) {
            fail(context + ": was read although it should have been refused");
        }
        if (c == InsecureParametersException.class) {
            fail(context + ": InsecureParametersException although the reader opted in");
        }
    }

    @Test
    void everyTruncationIsRefused() {
        for (Target t : targets) {
            int n = t.bytes.length;
            // the evaluation keys (~420 kB): every prefix near a frame boundary, every 61st elsewhere
            boolean large = n > 100_000;
            java.util.BitSet near = new java.util.BitSet(n);
            for (int offset = 0; offset < n; ) {
                near.set(Math.max(0, offset - 64), Math.min(n, offset + 128));
                offset += (int) Frames.frameBytes((long) ByteSink.LONG_LE.get(t.bytes, offset + 8));
            }
            near.set(Math.max(0, n - 64), n);
            for (int len = 0; len < n; len++) {
                if (large && !near.get(len) && len % 61 != 0) {
                    continue;
                }
                byte[] prefix = Arrays.copyOf(t.bytes, len);
                mustRefuse(t.array, prefix, t.name + " prefix " + len);
                if (!large || near.get(len) || len % 997 == 0) {
                    mustRefuse(t.stream, prefix, t.name + " stream prefix " + len);
                }
            }
            assertEquals(null, outcome(t.array, t.bytes, t.name));
            assertEquals(null, outcome(t.stream, t.bytes, t.name));
        }
    }

    @Test
    void everySingleByteCorruptionIsDetected() {
        SplittableRandom rnd = new SplittableRandom(20240601);
        for (Target t : targets) {
            int trials = t.name.endsWith("ciphertext") ? 3000 : t.name.equals("evaluation keys") ? 300 : 1000;
            for (int i = 0; i < trials; i++) {
                byte[] data = t.bytes.clone();
                int pos = rnd.nextInt(4) == 0 ? rnd.nextInt(Math.min(64, data.length)) : rnd.nextInt(data.length);
                data[pos] ^= (byte) (1 + rnd.nextInt(255));
                mustRefuse(t.array, data, t.name + " byte " + pos);
                if (i % 20 == 0) {
                    mustRefuse(t.stream, data, t.name + " stream byte " + pos);
                }
            }
        }
    }

    @Test
    void structuralCorruptionBehindAValidChecksumGivesOnlyTypedExceptions() {
        SplittableRandom rnd = new SplittableRandom(77);
        int refused = 0;
        int total = 0;
        for (Target t : targets) {
            int trials = t.name.equals("evaluation keys") ? 300 : 1500;
            for (int i = 0; i < trials; i++) {
                byte[] data = t.bytes.clone();
                int flips = 1 + rnd.nextInt(3);
                for (int k = 0; k < flips; k++) {
                    int pos = rnd.nextBoolean() ? HecnnFormat.HEADER_BYTES + rnd.nextInt(Math.min(100,
                            data.length - HecnnFormat.HEADER_BYTES)) : rnd.nextInt(data.length);
                    data[pos] = switch (rnd.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> (byte) 0xff;
                        case 2 -> (byte) (data[pos] ^ (1 << rnd.nextInt(8)));
                        default -> (byte) rnd.nextInt(256);
                    };
                }
                IoFixtures.fixChecksums(data);
                total++;
                if (outcome(t.array, data, t.name + " trial " + i) != null) {
                    refused++;
                }
                if (i % 10 == 0) {
                    outcome(t.stream, data, t.name + " stream trial " + i);
                }
            }
        }
        assertTrue(refused > total / 4, "only " + refused + " of " + total + " structural corruptions refused");
    }

    @Test
    void randomBytesGiveOnlyTypedExceptions() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < 3000; i++) {
            byte[] data = new byte[rnd.nextInt(400)];
            rnd.nextBytes(data);
            if (data.length >= 8 && rnd.nextBoolean()) {
                System.arraycopy(HecnnFormat.MAGIC, 0, data, 0, 4);
                data[4] = 1;
                data[5] = 0;
                data[6] = (byte) (1 + rnd.nextInt(7));
                data[7] = 0;
            }
            for (Target t : targets) {
                mustRefuse(t.array, data, t.name + " random " + i);
                mustRefuse(t.stream, data, t.name + " random stream " + i);
            }
        }
    }

    /** Random bodies inside valid frames of the right type, usually with our binding and small counts. */
    @Test
    void randomBodiesInValidFramesGiveOnlyTypedExceptions() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < 3000; i++) {
            Target t = targets[rnd.nextInt(targets.length)];
            int bodyLength = rnd.nextInt(600);
            byte[] body = new byte[bodyLength];
            for (int k = 0; k < bodyLength; k++) {
                body[k] = (byte) (rnd.nextInt(3) == 0 ? rnd.nextInt(256) : rnd.nextInt(4));
            }
            if (t.type != ObjectType.PARAMETERS && bodyLength >= 36 && rnd.nextInt(4) != 0) {
                System.arraycopy(t.bytes, HecnnFormat.HEADER_BYTES, body, 0, 36);
            }
            byte[] frame = Frames.frame(t.type, bodyLength, s -> s.bytes(body));
            outcome(t.array, frame, t.name + " random body " + i);
            outcome(t.stream, frame, t.name + " random body stream " + i);
        }
    }
}
