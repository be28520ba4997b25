package org.hecnn.inference.service;

import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.DeviceKeys;
import org.hecnn.ckks.Evaluator;
import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.HeNetwork;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.LayerObserver;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.OpCounts;
import org.hecnn.io.KeyCodec;
import org.hecnn.rlwe.EvaluationKeys;

/**
 * The server side: holds a compiled network and, per client, only that client's evaluation keys. It has no API
 * that accepts or produces a secret key. A {@link Session} is bound to the {@link KeyFingerprint} of the keys
 * uploaded into it and refuses requests made under any other key set ({@link ForeignKeyException}).
 *
 * <p>Thread safety: one server serves many sessions at once, and one session many requests at once (from any
 * threads, with {@link Session#evaluate} and {@link Session#evaluateTogether} mixed freely): the network and its
 * plaintexts are immutable after compilation and shared by all sessions (they exist once per server); each
 * evaluation works on its own ciphertexts, and lockstep evaluation keeps its converted plaintexts for its own thread
 * only. {@link Session#lastCounts()} reports the evaluation that finished last.
 */
public final class InferenceServer {
    private final HeNetwork network;
    private final int members;

    /** Serves one model's network. */
    public InferenceServer(HeNetwork network) {
        this(network, 1);
    }

    /** Serves a compiled network (for an ensemble, its description names the member count). */
    public InferenceServer(org.hecnn.inference.NetworkCompiler.Compiled compiled) {
        this(compiled.network(), compiled.members());
    }

    /** Serves a network whose outputs hold {@code members} ensemble members, member-major. */
    public InferenceServer(HeNetwork network, int members) {
        this.network = network;
        this.members = members;
    }

    public ServiceDescription description() {
        var shape = network.model().inputShape();
        return new ServiceDescription(network.context().parameters(), network.layout(), shape.channels(),
                shape.height(),
                shape.width(), network.inputLevel(), network.rotationSteps(), network.rotationLevels(),
                network.outputs(), members, network.model().certifiedRange()
                .map(org.hecnn.cnn.model.CertifiedRange::outputBound).orElse(Double.POSITIVE_INFINITY));
    }

    /** What a client's evaluation keys for this network weigh (upload bound and engine memory). */
    public KeyFootprint keyFootprint() {
        return KeyFootprint.of(network);
    }

    /** The model's name (not its weights), for service descriptions and logs. */
    public String modelName() {
        return network.model().name();
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
            Messages.Message m = Messages.read(network.context(), request, network.inputMap().ciphertexts());
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
            HeOps ops = new HeOps(evaluator);
            Ciphertext logits = network.evaluate(ops, input, progress, observer);
            lastCounts = ops.counts();
            return Messages.write(fingerprint, logits);
        }

        /**
         * Several requests in lockstep ({@link HeNetwork#evaluateTogether}): each plaintext is converted once for
         * all of them. Returns one response per request, in order.
         */
        public java.util.List<byte[]> evaluateTogether(java.util.List<byte[]> requests, LayerProgress progress) {
            java.util.List<Ciphertext[]> inputs = new java.util.ArrayList<>();
            for (byte[] r : requests) {
                inputs.add(input(r));
            }
            HeOps ops = new HeOps(evaluator);
            java.util.List<Ciphertext> logits = network.evaluateTogether(ops, inputs, progress);
            lastCounts = ops.counts();
            java.util.List<byte[]> out = new java.util.ArrayList<>();
            for (Ciphertext c : logits) {
                out.add(Messages.write(fingerprint, c));
            }
            return out;
        }

        /** Operation counts of the last evaluation. */
        public OpCounts lastCounts() {
            return lastCounts;
        }
    }
}
