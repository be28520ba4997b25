package org.hecnn.kernels.engine;

/** A device memory allocation made by a {@link GpuRuntime}. */
public interface GpuBuffer {
    /** Size in bytes. */
    long bytes();
}
