package org.hecnn.cpu;

import org.hecnn.backend.Availability;
import org.hecnn.backend.BackendProvider;
import org.hecnn.backend.PolyEngine;
import org.hecnn.backend.host.HostEngine;
import org.hecnn.ring.RnsRing;

/**
 * The vectorised, multi-threaded CPU backend: {@link HostEngine} with {@link VectorLimbKernels} (Java Vector
 * API) on a {@link ForkJoinLimbExecutor}. Needs the JVM flag {@code --add-modules jdk.incubator.vector}.
 * This class itself touches no Vector API type, so loading it never fails.
 */
public final class CpuBackendProvider implements BackendProvider {
    public static final String NAME = "cpu";
    static final String MISSING_MODULE = "start the JVM with --add-modules jdk.incubator.vector";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int preference() {
        return 10;
    }

    @Override
    public Availability availability() {
        try {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                return Availability.no(MISSING_MODULE);
            }
            Class.forName("jdk.incubator.vector.LongVector");
            int lanes = VectorLimbKernels.lanes();
            String kind = VectorLimbKernels.vectorised() ? lanes + " x 64-bit lanes" : "no usable vector lanes, scalar";
            return Availability.yes("Java Vector API (" + kind + "), "
                    + ForkJoinLimbExecutor.configuredThreads() + " threads");
        } catch (ClassNotFoundException | LinkageError e) {
            return Availability.no(MISSING_MODULE + " (" + e + ")");
        } catch (RuntimeException e) {
            return Availability.no(e.getMessage());
        }
    }

    @Override
    public PolyEngine open(RnsRing ring) {
        Availability a = availability();
        if (!a.available()) {
            throw new org.hecnn.backend.BackendUnavailableException("backend 'cpu' is not available: " + a.reason());
        }
        return new HostEngine(ring, new VectorLimbKernels(), ForkJoinLimbExecutor.shared(), NAME);
    }
}
