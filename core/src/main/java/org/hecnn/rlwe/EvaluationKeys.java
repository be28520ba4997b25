package org.hecnn.rlwe;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the evaluating side may hold: the relinearisation key (s² → s) and Galois keys (φ_g(s) → s) by
 * Galois element. Contains no secret.
 */
public final class EvaluationKeys {
    private final SwitchingKey relinearization;
    private final Map<Integer, SwitchingKey> galois;

    public EvaluationKeys(SwitchingKey relinearization, Map<Integer, SwitchingKey> galois) {
        this.relinearization = relinearization;
        this.galois = Collections.unmodifiableMap(new TreeMap<>(galois));
    }

    /** The relinearisation key, or null if none was generated. */
    public SwitchingKey relinearization() {
        return relinearization;
    }

    /** Galois keys by Galois element. */
    public Map<Integer, SwitchingKey> galois() {
        return galois;
    }
}
