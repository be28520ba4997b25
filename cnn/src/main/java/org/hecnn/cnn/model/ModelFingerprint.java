package org.hecnn.cnn.model;

import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The SHA-256 of what a model computes: every node's name, inputs, shape and operation with all its parameters
 * (tensors by their dimensions and exact bits), then the input and output node and the certified range. The model's
 * name is left out (renaming a model does not change what it computes). Two models with the same fingerprint are
 * the same graph with bit-identical weights, so anything derived from a model (compiled plaintexts) can be bound to
 * it. Stateless and thread-safe.
 */
public final class ModelFingerprint {
    private ModelFingerprint() {
    }

    /** The 32-byte fingerprint of {@code model}. */
    public static byte[] of(Model model) {
        MessageDigest sha = sha256();
        for (Node n : model.nodes()) {
            value(sha, n);
        }
        text(sha, model.input().name());
        text(sha, model.output().name());
        value(sha, model.certifiedRange().orElse(null));
        return sha.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** Feeds one value, tagged by its type so that different structures never feed the same bytes. */
    private static void value(MessageDigest sha, Object v) {
        switch (v) {
            case null -> sha.update((byte) 0);
            case Tensor t -> {
                sha.update((byte) 1);
                int[] dims = t.dims();
                longValue(sha, dims.length);
                for (int d : dims) {
                    longValue(sha, d);
                }
                for (double x : t.toArray()) {
                    longValue(sha, Double.doubleToRawLongBits(x));
                }
            }
            case String s -> {
                sha.update((byte) 2);
                text(sha, s);
            }
            case Integer i -> {
                sha.update((byte) 3);
                longValue(sha, i);
            }
            case Long l -> {
                sha.update((byte) 4);
                longValue(sha, l);
            }
            case Double d -> {
                sha.update((byte) 5);
                longValue(sha, Double.doubleToRawLongBits(d));
            }
            case Boolean b -> sha.update((byte) (b ? 6 : 7));
            case double[] a -> {
                sha.update((byte) 8);
                longValue(sha, a.length);
                for (double x : a) {
                    longValue(sha, Double.doubleToRawLongBits(x));
                }
            }
            case List<?> list -> {
                sha.update((byte) 9);
                longValue(sha, list.size());
                list.forEach(e -> value(sha, e));
            }
            case Record r -> {
                sha.update((byte) 10);
                text(sha, r.getClass().getName());
                for (RecordComponent c : r.getClass().getRecordComponents()) {
                    try {
                        value(sha, c.getAccessor().invoke(r));
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass(), e);
                    }
                }
            }
            default -> throw new IllegalStateException("bug: the model fingerprint does not know how to feed a "
                    + v.getClass().getName() + " (add it to ModelFingerprint)");
        }
    }

    private static void text(MessageDigest sha, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        longValue(sha, b.length);
        sha.update(b);
    }

    private static void longValue(MessageDigest sha, long v) {
        for (int i = 0; i < 8; i++) {
            sha.update((byte) (v >>> (8 * i)));
        }
    }
}
