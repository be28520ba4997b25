package org.hecnn.backend;

import org.hecnn.ring.RnsRing;

/**
 * Service-provider interface of a compute backend, discovered with {@link java.util.ServiceLoader}.
 * A provider must be cheap to construct; probing for hardware happens in {@link #availability()} only, and a probe
 * prints nothing (a reason that it cannot run goes into the {@link Availability}).
 */
public interface BackendProvider {
    /** Short name used on the command line: "cpu", "cuda", "opencl", "reference". */
    String name();

    /** Higher is preferred by "auto" among available backends. Must not probe: discovery ranks by it. */
    int preference();

    /**
     * The preference once {@link #availability()} has probed the hardware (a backend may rank itself lower on a
     * device it knows to be slow); "auto" picks the available backend for which this is highest.
     */
    default int preference(Availability probed) {
        return preference();
    }

    /** Whether the backend can run here, and if not, why. Must not throw. */
    Availability availability();

    /** Creates an engine for the given ring. */
    PolyEngine open(RnsRing ring);
}
