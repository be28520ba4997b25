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
 * that accepts or produces a secret key.
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

    /** A client session: the client's evaluation keys loaded once, then any number of requests. */
    public Session open(byte[] evaluationKeys) {
        CkksContext ctx = network.context();
        EvaluationKeys keys = KeyCodec.readEvaluationKeys(ctx, evaluationKeys);
        return new Session(new Evaluator(ctx, keys));
    }

    /**
     * As {@link #open(byte[])} from a stream, refusing key sets larger than {@code maxBytes}; each key moves to the
     * engine as soon as it is read, so the set is never held twice.
     */
    public Session open(java.io.InputStream evaluationKeys, long maxBytes) throws java.io.IOException {
        CkksContext ctx = network.context();
        DeviceKeys keys = new DeviceKeys(ctx);
        KeyCodec.readEvaluationKeys(ctx.parameters(), evaluationKeys, maxBytes, (role, key) -> {
            if (role == 0) {
                keys.addRelinearization(key);
            } else {
                keys.addGalois(role, key);
            }
        });
        return new Session(new Evaluator(ctx, keys));
    }

    /** Receives each layer's serialised encrypted output and its layout. */
    @FunctionalInterface
    public interface Trace {
        void layer(String node, byte[] ciphertexts, FeatureMap map);
    }

    /** Evaluates requests with one client's keys. */
    public final class Session {
        private final Evaluator evaluator;
        private OpCounts lastCounts = OpCounts.ZERO;

        private Session(Evaluator evaluator) {
            this.evaluator = evaluator;
        }

        public byte[] evaluate(byte[] request, LayerProgress progress) {
            return run(request, progress, LayerObserver.NONE);
        }

        /**
         * As {@link #evaluate(byte[], LayerProgress)}, also handing every layer's encrypted output, serialised, to
         * {@code trace} (for a client that wants a per-layer precision trace; it costs a serialisation per layer).
         */
        public byte[] evaluate(byte[] request, LayerProgress progress, Trace trace) {
            return run(request, progress, (node, cts, map) -> trace.layer(node, Messages.write(cts), map));
        }

        private byte[] run(byte[] request, LayerProgress progress, LayerObserver observer) {
            Ciphertext[] input = Messages.read(network.context(), request, network.inputMap().ciphertexts());
            HeOps ops = new HeOps(evaluator);
            Ciphertext logits = network.evaluate(ops, input, progress, observer);
            lastCounts = ops.counts();
            return Messages.write(logits);
        }

        /**
         * Several requests in lockstep ({@link HeNetwork#evaluateTogether}): each plaintext is converted once for
         * all of them. Returns one response per request, in order.
         */
        public java.util.List<byte[]> evaluateTogether(java.util.List<byte[]> requests, LayerProgress progress) {
            java.util.List<Ciphertext[]> inputs = new java.util.ArrayList<>();
            for (byte[] r : requests) {
                inputs.add(Messages.read(network.context(), r, network.inputMap().ciphertexts()));
            }
            HeOps ops = new HeOps(evaluator);
            java.util.List<Ciphertext> logits = network.evaluateTogether(ops, inputs, progress);
            lastCounts = ops.counts();
            java.util.List<byte[]> out = new java.util.ArrayList<>();
            for (Ciphertext c : logits) {
                out.add(Messages.write(c));
            }
            return out;
        }

        /** Operation counts of the last evaluation. */
        public OpCounts lastCounts() {
            return lastCounts;
        }
    }
}
