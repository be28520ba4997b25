package org.hecnn.cuda;

import java.util.logging.Logger;

import org.hecnn.backend.Availability;
import org.hecnn.backend.BackendProvider;
import org.hecnn.backend.BackendUnavailableException;
import org.hecnn.backend.PolyEngine;
import org.hecnn.kernels.KernelSources;
import org.hecnn.kernels.engine.GpuEngine;
import org.hecnn.ring.RnsRing;

/**
 * The CUDA backend (JCuda driver API): ciphertexts resident in device memory, the kernels of {@code rns.cl}
 * compiled by nvcc at build time. Unavailable, with the reason, when this build has no CUDA images, when the
 * driver library cannot be loaded (JCuda throws a {@link LinkageError} without libcuda.so.1), or when there is no
 * device. {@code -Dhecnn.cuda.device=<ordinal>} picks the device. Preference 30: the most preferred backend.
 */
public final class CudaBackendProvider implements BackendProvider {
    public static final String NAME = "cuda";
    private static final Logger LOG = Logger.getLogger(CudaBackendProvider.class.getName());

    private static final Object LOCK = new Object();
    private static Availability probed;
    private static CudaRuntime shared;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int preference() {
        return 30;
    }

    @Override
    public Availability availability() {
        synchronized (LOCK) {
            if (probed == null) {
                probed = probe();
                LOG.fine(() -> "cuda: " + probed);
            }
            return probed;
        }
    }

    static int ordinal() {
        return Integer.getInteger(CudaRuntime.PROPERTY, 0);
    }

    private static Availability probe() {
        if (KernelSources.cudaFatbin().isEmpty() && KernelSources.cudaPtx().isEmpty()) {
            return Availability.no(KernelSources.NO_CUDA_KERNELS);
        }
        try {
            return Availability.yes(CudaRuntime.probe(ordinal()));
        } catch (LinkageError e) {
            return Availability.no("the CUDA driver cannot be loaded (no libcuda.so.1 / NVIDIA driver on this "
                    + "machine?): " + firstLine(e));
        } catch (RuntimeException e) {
            // jcuda.CudaException (e.g. CUDA_ERROR_NO_DEVICE, CUDA_ERROR_INSUFFICIENT_DRIVER) and bad ordinals.
            return Availability.no("CUDA is not usable here: " + firstLine(e));
        }
    }

    /** JCuda's UnsatisfiedLinkError carries every loader attempt's stack trace in its message: keep the gist. */
    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        String cause = "";
        java.util.regex.Matcher so = java.util.regex.Pattern.compile("(lib[\\w.-]+\\.so[\\w.]*): cannot open shared object file")
                .matcher(m);
        if (so.find()) {
            cause = " (" + so.group(1) + " not found)";
        }
        int nl = m.indexOf('\n');
        return e.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl)).trim() + cause;
    }

    /** The process-wide runtime on the chosen device, shared by every engine. */
    public static CudaRuntime runtime() {
        synchronized (LOCK) {
            if (shared == null) {
                shared = new CudaRuntime(ordinal());
            }
            return shared;
        }
    }

    @Override
    public PolyEngine open(RnsRing ring) {
        Availability a = availability();
        if (!a.available()) {
            throw new BackendUnavailableException("backend 'cuda' is not available: " + a.reason());
        }
        return new GpuEngine(ring, runtime());
    }
}
