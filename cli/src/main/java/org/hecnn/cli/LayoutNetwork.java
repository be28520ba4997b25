package org.hecnn.cli;

import java.util.List;
import java.util.Map;
import org.hecnn.cnn.model.Model;
import org.hecnn.inference.EncryptedNetwork;

/**
 * An encrypted network as {@link ModelOptions#network} built it, with the plaintext model it computes and the few
 * things that only its layout can report (the CNN layouts' compiler decisions and per-layer plan, the chain layouts'
 * derived error bound and per-stage plan). Everything else the commands do with it is the same for every layout:
 * they serve {@link #network()} through the generic server and client. Closing it frees the network.
 */
sealed interface LayoutNetwork extends AutoCloseable permits PackedLayout, BatchedLayout, VectorLayout {
    /** The network to serve. */
    EncryptedNetwork network();

    /** The plaintext model the network computes (for an ensemble, the stacked members). */
    Model reference();

    /**
     * Whether eval runs one untimed evaluation before it measures: true where an evaluation takes seconds, so that
     * the JIT compiling the vector kernels would dominate the first timing (the chain layouts); the packed layout's
     * evaluations take long enough without.
     */
    default boolean warmUp() {
        return true;
    }

    /** The layout's own fields of infer's and eval's --json output. */
    void summary(Map<String, Object> json);

    /** The layout's own lines of infer's and eval's text output. */
    List<String> notes();

    /** The layout's own fields of plan's --json output, its per-layer list ("layers") last. */
    void plan(Map<String, Object> json);

    /** plan's per-layer table with its totals row. */
    void printPlan();

    @Override
    default void close() {
        network().close();
    }
}
