package org.hecnn.inference.service;

import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.DeviceKeys;
import org.hecnn.ckks.Evaluator;
import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.LayerObserver;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.OpCounts;
import org.hecnn.io.KeyCodec;
import org.hecnn.rlwe.EvaluationKeys;

/**
 * The server side, for an {@link EncryptedNetwork} of any layout: holds the network and, per client, only that
 * client's evaluation keys. It has no API that accepts or produces a secret key. A {@link Session} is bound to the
 * {@link KeyFingerprint} of the keys uploaded into it and refuses requests made under any other key set
 * ({@link ForeignKeyException}).
 *
 * <p>Thread safety: one server serves many sessions at once, and one session many requests at once (from any
 * threads, with {@link Session#evaluate} and {@link Session#evaluateTogether} mixed freely): the network and its
 * plaintexts are immutable after compilation and shared by all sessions (they exist once per server); each
 * evaluation works on its own ciphertexts, and lockstep evaluation keeps its converted plaintexts for its own thread
 * only. {@link Session#lastCounts()} reports the evaluation that finished last.
 */
public final class InferenceServer {
    private final EncryptedNetwork network;
    private final ServiceDescription description;

    /** Serves a compiled network (it stays the caller's to close). */
    public InferenceServer(EncryptedNetwork network) {
        this.network = network;
        this.description = network.description();
    }

    public ServiceDescription description() {
        return description;
    }

    /** What a client's evaluation keys for this network weigh (upload bound and engine memory). */
    public KeyFootprint keyFootprint() {
        return KeyFootprint.of(network);
    }

    /** The planned working set of one evaluation ({@link EncryptedNetwork#workingSetBytes()}). */
    public long workingSetBytes() {
        return network.workingSetBytes();
    }

    /** The model's name (not its weights), for service descriptions and logs. */
    public String modelName() {
        return network.name();
    }

    /** A client session: the client's evaluation keys loaded once, then any number of requests. */
    public Session open(byte[] evaluationKeys) {
        CkksContext ctx = network.context();
        if (evaluationKeys == null || evaluationKeys.length < Messages.KEYS_HEADER_BYTES) {
            throw new org.hecnn.io.MalformedDataException("not a hecnn key upload: "
                    + (evaluationKeys == null ? "no bytes" : evaluationKeys.length + " bytes"));
        }
        KeyFingerprint fingerprint;
        try {
            fingerprint = Messages.readKeysHeader(new java.io.ByteArrayInputStream(evaluationKeys));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        EvaluationKeys keys = KeyCodec.readEvaluationKeys(ctx, java.util.Arrays.copyOfRange(evaluationKeys,
                Messages.KEYS_HEADER_BYTES, evaluationKeys.length));
        return new Session(new Evaluator(ctx, keys), fingerprint, null);
    }

    /**
     * As {@link #open(byte[])} from a stream, refusing key sets larger than {@code maxBytes}; each key moves to the
     * engine as soon as it is read, so the set is never held twice.
     */
    public Session open(java.io.InputStream evaluationKeys, long maxBytes) throws java.io.IOException {
        CkksContext ctx = network.context();
        KeyFingerprint fingerprint = Messages.readKeysHeader(evaluationKeys);
        DeviceKeys keys = new DeviceKeys(ctx);
        try {
            KeyCodec.readEvaluationKeys(ctx.parameters(), evaluationKeys, maxBytes - Messages.KEYS_HEADER_BYTES,
                    (role, key) -> {
                        if (role == 0) {
                            keys.addRelinearization(key);
                        } else {
                            keys.addGalois(role, key);
                        }
                    });
        } catch (java.io.IOException | RuntimeException e) {
            keys.close(); // an upload that fails half-way leaves nothing behind
            throw e;
        }
        return new Session(new Evaluator(ctx, keys), fingerprint, keys);
    }

    /** Receives each layer's serialised encrypted output and its layout. */
    @FunctionalInterface
    public interface Trace {
        void layer(String node, byte[] ciphertexts, FeatureMap map);
    }

    /**
     * Evaluates requests with one client's keys; thread-safe (see {@link InferenceServer}). Closing it frees keys
     * the engine holds (device memory on a GPU); it must not race with an evaluation in it.
     */
    public final class Session implements AutoCloseable {
        private final Evaluator evaluator;
        private final KeyFingerprint fingerprint;
        private final DeviceKeys engineKeys;
        private volatile OpCounts lastCounts = OpCounts.ZERO;

        private Session(Evaluator evaluator, KeyFingerprint fingerprint, DeviceKeys engineKeys) {
            this.evaluator = evaluator;
            this.fingerprint = fingerprint;
            this.engineKeys = engineKeys;
        }

        @Override
        public void close() {
            if (engineKeys != null) {
                engineKeys.close();
            }
        }

        /** The fingerprint of the key set this session was opened with. */
        public KeyFingerprint fingerprint() {
            return fingerprint;
        }

        /** The request's ciphertexts, if it was made under this session's keys; otherwise a typed refusal. */
        private Ciphertext[] input(byte[] request) {
            Messages.Message m = Messages.read(network.context(), request, description.requestCiphertexts());
            if (!m.fingerprint().equals(fingerprint)) {
                for (Ciphertext c : m.ciphertexts()) {
                    c.close();
                }
                throw new ForeignKeyException("request refused: it was encrypted under " + m.fingerprint()
                        + ", but this session holds the evaluation keys of " + fingerprint + "; send it in the session "
                        + "opened with that client's keys (or open one)");
            }
            return m.ciphertexts();
        }

        public byte[] evaluate(byte[] request, LayerProgress progress) {
            return run(request, progress, LayerObserver.NONE);
        }

        /**
         * As {@link #evaluate(byte[], LayerProgress)}, also handing every layer's encrypted output, serialised, to
         * {@code trace} (for a client that wants a per-layer precision trace; it costs a serialisation per layer).
         */
        public byte[] evaluate(byte[] request, LayerProgress progress, Trace trace) {
            return run(request, progress, (node, cts, map) -> trace.layer(node, Messages.write(fingerprint, cts), map));
        }

        private byte[] run(byte[] request, LayerProgress progress, LayerObserver observer) {
            Ciphertext[] input = input(request);
            try {
                HeOps ops = new HeOps(evaluator);
                Ciphertext[] outputs = network.evaluate(ops, input, progress, observer);
                lastCounts = ops.counts();
                return response(outputs);
            } finally {
                closeAll(input);
            }
        }

        /** Serialises and closes the outputs. */
        private byte[] response(Ciphertext[] outputs) {
            try {
                return Messages.write(fingerprint, outputs);
            } finally {
                closeAll(outputs);
            }
        }

        /**
         * Several requests with these keys ({@link EncryptedNetwork#evaluateTogether}: the packed layout converts
         * each plaintext once for all of them). Returns one response per request, in order.
         */
        public java.util.List<byte[]> evaluateTogether(java.util.List<byte[]> requests, LayerProgress progress) {
            java.util.List<Ciphertext[]> inputs = new java.util.ArrayList<>();
            try {
                for (byte[] r : requests) {
                    inputs.add(input(r));
                }
                HeOps ops = new HeOps(evaluator);
                java.util.List<Ciphertext[]> outputs = network.evaluateTogether(ops, inputs, progress);
                lastCounts = ops.counts();
                java.util.List<byte[]> out = new java.util.ArrayList<>();
                for (Ciphertext[] c : outputs) {
                    out.add(response(c));
                }
                return out;
            } finally {
                inputs.forEach(Session::closeAll);
            }
        }

        private static void closeAll(Ciphertext[] cts) {
            for (Ciphertext c : cts) {
                c.close();
            }
        }

        /** Operation counts of the last evaluation. */
        public OpCounts lastCounts() {
            return lastCounts;
        }
    }
}
