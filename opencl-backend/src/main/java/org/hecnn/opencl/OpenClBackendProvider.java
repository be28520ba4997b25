package org.hecnn.opencl;

import java.util.List;
import java.util.logging.Logger;

import org.hecnn.backend.Availability;
import org.hecnn.backend.BackendProvider;
import org.hecnn.backend.BackendUnavailableException;
import org.hecnn.backend.PolyEngine;
import org.hecnn.kernels.engine.GpuEngine;
import org.hecnn.ring.RnsRing;

/**
 * The OpenCL backend: polynomials in OpenCL buffers, the shared kernels of {@code rns.cl} built for the device at
 * run time. Any OpenCL 1.2 device works (GPUs are preferred; PoCL's CPU device serves tests); choose one with
 * {@code -Dhecnn.opencl.device=<index or name substring>}. Preference 20: below CUDA, above the CPU backend.
 */
public final class OpenClBackendProvider implements BackendProvider {
    public static final String NAME = "opencl";
    private static final Logger LOG = Logger.getLogger(OpenClBackendProvider.class.getName());

    private static final Object LOCK = new Object();
    private static Availability probed;
    private static boolean cpuDevice;
    private static OpenClRuntime shared;

    @Override
    public String name() {
        return NAME;
    }

    /** 20: above the cpu backend, below CUDA (without probing: see {@link #preference(Availability)}). */
    @Override
    public int preference() {
        return 20;
    }

    /**
     * 20 on a GPU or accelerator; 5 (below the cpu backend) when the chosen device is a CPU, such as PoCL's: an
     * OpenCL CPU device is slower than the vectorised Java backend, so "auto" should not pick it.
     */
    @Override
    public int preference(Availability probed) {
        synchronized (LOCK) {
            return probed.available() && cpuDevice ? 5 : 20;
        }
    }

    @Override
    public Availability availability() {
        synchronized (LOCK) {
            if (probed == null) {
                probed = probe();
            }
            return probed;
        }
    }

    private static Availability probe() {
        Availability loader = OpenClLoader.check();
        if (!loader.available()) {
            return loader;
        }
        try {
            List<OpenClDevices.Device> devices = OpenClDevices.list();
            if (devices.isEmpty()) {
                return Availability.no("no OpenCL platform or device found (install an OpenCL ICD: a GPU driver, "
                        + "or pocl-opencl-icd for a CPU device)");
            }
            for (OpenClDevices.Device d : devices) {
                LOG.fine(() -> "OpenCL device " + d.describe());
            }
            OpenClDevices.Device chosen = OpenClDevices.choose(devices);
            cpuDevice = chosen.typeName().equals("CPU");
            return Availability.yes("OpenCL " + chosen.typeName() + " '" + chosen.name() + "' on '"
                    + chosen.platformName() + "' (" + devices.size() + " device(s): "
                    + OpenClDevices.names(devices) + ")");
        } catch (LinkageError e) {
            return Availability.no("JOCL native library or libOpenCL cannot be loaded: " + e);
        } catch (RuntimeException e) {
            // CLException (e.g. CL_PLATFORM_NOT_FOUND_KHR without an ICD) and a bad -Dhecnn.opencl.device.
            String m = String.valueOf(e.getMessage());
            if (m.contains("PLATFORM_NOT_FOUND")) {
                m += " (no OpenCL platform is installed: a GPU driver's ICD, or pocl-opencl-icd for the CPU)";
            }
            return Availability.no("OpenCL probe failed: " + m);
        }
    }

    /** The process-wide runtime on the chosen device (context, queue and built program are shared by engines). */
    public static OpenClRuntime runtime() {
        synchronized (LOCK) {
            if (shared == null) {
                List<OpenClDevices.Device> devices = OpenClDevices.list();
                devices.forEach(d -> LOG.info(() -> "OpenCL device " + d.describe()));
                shared = new OpenClRuntime(OpenClDevices.choose(devices));
            }
            return shared;
        }
    }

    @Override
    public PolyEngine open(RnsRing ring) {
        Availability a = availability();
        if (!a.available()) {
            throw new BackendUnavailableException("backend 'opencl' is not available: " + a.reason());
        }
        return new GpuEngine(ring, runtime());
    }
}
