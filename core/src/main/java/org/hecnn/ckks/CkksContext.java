package org.hecnn.ckks;

import org.hecnn.backend.BackendProvider;
import org.hecnn.backend.Backends;
import org.hecnn.backend.PolyEngine;
import org.hecnn.ring.RnsRing;

/** Binds a parameter set to the compute engine of the chosen backend. Close it to free device memory. */
public final class CkksContext implements AutoCloseable {
    private final CkksParameters parameters;
    private final PolyEngine engine;

    private CkksContext(CkksParameters parameters, PolyEngine engine) {
        this.parameters = parameters;
        this.engine = engine;
    }

    /** A context on the given backend. */
    public static CkksContext create(CkksParameters parameters, BackendProvider backend) {
        return new CkksContext(parameters, backend.open(parameters.ring()));
    }

    /** A context on the backend named by the system property {@code hecnn.backend} (default "auto"). */
    public static CkksContext create(CkksParameters parameters) {
        return create(parameters, Backends.select());
    }

    public CkksParameters parameters() {
        return parameters;
    }

    public PolyEngine engine() {
        return engine;
    }

    public RnsRing ring() {
        return engine.ring();
    }

    /** Throws unless the object was made under these parameters. */
    void checkOwner(CkksContext other, String what) {
        if (other != this && !java.util.Arrays.equals(other.parameters.fingerprint(), parameters.fingerprint())) {
            throw new ParameterMismatchException(what + " was made under parameters " + other.parameters
                    + " but this context uses " + parameters + ": use objects from one parameter set");
        }
        if (other != this && other.engine != engine) {
            throw new ParameterMismatchException(what + " lives on another engine (" + other.engine.backendName()
                    + "): serialise it and load it into this context");
        }
    }

    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return parameters + " on " + engine.backendName();
    }
}
