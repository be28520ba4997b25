package org.hecnn.backend.reference;

import org.hecnn.backend.Availability;
import org.hecnn.backend.BackendProvider;
import org.hecnn.backend.PolyEngine;
import org.hecnn.backend.host.HostEngine;
import org.hecnn.backend.host.LimbExecutor;
import org.hecnn.backend.host.ScalarLimbKernels;
import org.hecnn.ring.RnsRing;

/**
 * The plain scalar, single-threaded backend: slow and simple, the oracle that every other backend is tested
 * against bit for bit. "auto" picks it only when nothing faster is available.
 */
public final class ReferenceBackendProvider implements BackendProvider {
    public static final String NAME = "reference";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int preference() {
        return 0;
    }

    @Override
    public Availability availability() {
        return Availability.yes("scalar Java, always available");
    }

    @Override
    public PolyEngine open(RnsRing ring) {
        return new HostEngine(ring, new ScalarLimbKernels(), LimbExecutor.SEQUENTIAL, NAME);
    }
}
