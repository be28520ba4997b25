package org.hecnn.cli;

import java.util.List;
import org.hecnn.inference.InputEncoding;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.ServiceDescription;

/**
 * The client's side of an inference service, whatever its layout: it learns the service from its description only,
 * makes keys, encrypts images, has them evaluated and decrypts the outputs. {@link LocalLink} plays the server in this
 * process (an {@link org.hecnn.inference.service.InferenceServer}, over bytes, exactly as a remote one is played);
 * {@link RemoteLink} talks to `hecnn serve`. The commands' code is the same for both. Not thread-safe.
 */
interface ServiceLink extends AutoCloseable {
    /** What one call measured; a remote link sees only the round trip (encryption included): NaN, -1 and null. */
    record Timing(double encryptSeconds, double seconds, double decryptSeconds, long requestBytes,
                  long responseBytes, OpCounts counts) {
    }

    /** Receives each layer's output of a traced evaluation; {@code values(n)} decrypts its first n values. */
    @FunctionalInterface
    interface LayerValues {
        void layer(String node, java.util.function.IntFunction<double[]> values);
    }

    /** What the server published. */
    ServiceDescription description();

    /** The layout's name in --json output. */
    default String layout() {
        return layoutOf(description());
    }

    /** The name of a service's layout as its input encoding tells it: PACKED, PER_CHANNEL, batched or vector. */
    static String layoutOf(ServiceDescription d) {
        return switch (d.input()) {
            case InputEncoding.ImagePlanes planes -> planes.layout().name();
            case InputEncoding.NeuronBatch batch -> "batched";
            case InputEncoding.ReceptiveFields fields -> "vector";
        };
    }

    /** Puts the layout and the parameters (log N, log QP, levels) into a command's --json map. */
    default void putParameters(java.util.Map<String, Object> json) {
        var p = description().parameters();
        json.put("layout", layout());
        json.put("logN", p.logN());
        json.put("logQP", p.logQP());
        json.put("levels", description().inputLevel());
    }

    /** Images one request carries at most. */
    default int capacity() {
        return description().capacity();
    }

    /** The model's name. */
    String model();

    /** Whether the server is another process (then only round trips are measured). */
    boolean remote();

    /** Makes the evaluation keys and hands them to the server; returns their size in bytes. */
    long openSession();

    /**
     * Encrypts 1..capacity images (each flattened in the model's input order) into one request, has it evaluated
     * and returns the decrypted outputs, [image][output]. {@code trace} (null: none) sees every layer's output
     * where the layout has layer outputs (the CNN layouts, in this process only).
     */
    double[][] infer(double[][] images, LayerProgress progress, LayerValues trace);

    /**
     * Several requests with the same keys, in lockstep where the layout shares work between them (the CNN layouts
     * in this process); otherwise one after another. {@link #last()} then measures them all together.
     */
    List<double[][]> inferTogether(List<double[][]> requests);

    /** What the last {@link #infer} or {@link #inferTogether} measured. */
    Timing last();

    /** Closes the session and the client's keys (and, remotely, the connection). */
    @Override
    void close();
}
