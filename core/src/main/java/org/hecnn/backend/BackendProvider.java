package org.hecnn.backend;

import org.hecnn.ring.RnsRing;

/**
 * Service-provider interface of a compute backend, discovered with {@link java.util.ServiceLoader}.
 * A provider must be cheap to construct; probing for hardware happens in {@link #availability()}.
 */
public interface BackendProvider {
    /** Short name used on the command line: "cpu", "cuda", "opencl", "reference". */
    String name();

    /** Higher is preferred by "auto" among available backends. */
    int preference();

    /** Whether the backend can run here, and if not, why. Must not throw. */
    Availability availability();

    /** Creates an engine for the given ring. */
    PolyEngine open(RnsRing ring);
}
