package org.hecnn.inference;

import java.util.ArrayList;
import java.util.List;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;

/**
 * A network compiled for encrypted evaluation in one slot layout (packed or per-channel channel planes, batched
 * neurons, vector): what a client needs ({@link #description()}), what one request costs ({@link #plannedCounts()}),
 * and the evaluation of a request's ciphertexts with one client's keys. It holds plaintexts and public parameters
 * only, never a key. The generic server and client ({@link org.hecnn.inference.service}) serve every layout
 * through this interface.
 *
 * <p>Thread safety: immutable after compilation; {@link #evaluate} and {@link #evaluateTogether} may run from many
 * threads at once, each call with its own {@link HeOps} (its own keys), so the model's plaintexts exist once
 * however many sessions use it. {@link #close()} must not race with an evaluation.
 */
public interface EncryptedNetwork extends AutoCloseable {
    /**
     * Ciphertexts' worth of engine temporaries {@link #workingSetBytes()} allows beside what a layout keeps alive:
     * a key switch's digit decomposition (up to 3 digits of the special-prime basis) and its accumulators, and each
     * thread's product and plaintext conversion.
     */
    int TEMPORARY_CIPHERTEXTS = 8;

    /** The model's name (not its weights). */
    String name();

    /** The engine the network's plaintexts live in. */
    CkksContext context();

    /** Everything a client needs to make keys, arrange and encrypt inputs and read the outputs. */
    ServiceDescription description();

    /** Homomorphic operations one request costs. */
    OpCounts plannedCounts();

    /**
     * A planned upper estimate of the bytes one {@link #evaluate} holds at its peak in a CPU engine beyond the
     * model's plaintexts: the request, the most ciphertexts the layout keeps alive at once (rotated copies, partial
     * sums, skip connections) and a margin for the engine's temporaries, each counted at the level it lives at.
     * A server reserves it per concurrent evaluation when it sizes its key memory.
     */
    long workingSetBytes();

    /**
     * Bytes the model's plaintexts hold between evaluations in a CPU engine, as this network keeps them; for a
     * network planned without encoding them ({@code hecnn plan}), what compiling it in this JVM would keep.
     */
    long plaintextBytes();

    /**
     * Evaluates one request: {@code inputs} as {@link ServiceDescription#input()} arranges them (not closed here);
     * returns the output ciphertexts as {@link ServiceDescription#output()} reads them (the caller closes them).
     * The observer sees layer outputs where the layout has channel planes ({@link FeatureMap}); others ignore it.
     */
    Ciphertext[] evaluate(HeOps ops, Ciphertext[] inputs, LayerProgress progress, LayerObserver observer);

    /**
     * Several requests with the same keys; each result is bit-identical to {@link #evaluate}'s. A layout that can
     * share work between them (the packed layout's lockstep) overrides this; the default runs them in turn.
     */
    default List<Ciphertext[]> evaluateTogether(HeOps ops, List<Ciphertext[]> inputs, LayerProgress progress) {
        List<Ciphertext[]> out = new ArrayList<>();
        for (Ciphertext[] in : inputs) {
            out.add(evaluate(ops, in, progress, LayerObserver.NONE));
        }
        return out;
    }

    /** Frees the plaintexts and the engine. */
    @Override
    void close();
}
