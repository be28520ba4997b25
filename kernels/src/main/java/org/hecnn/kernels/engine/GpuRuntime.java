package org.hecnn.kernels.engine;

/**
 * The few device operations {@link GpuEngine} needs, implemented once per API (OpenCL through JOCL, CUDA
 * through the JCuda driver API). All work goes to one in-order queue/stream; methods are called under the
 * runtime's monitor ({@code synchronized (runtime)}), so implementations need no locking of their own.
 *
 * <p>Kernel arguments are {@link GpuBuffer}s (passed as device pointers) and {@link Integer}s (passed as 32-bit
 * ints), in the order the kernel declares them.
 */
public interface GpuRuntime extends AutoCloseable {
    /** "opencl" or "cuda". */
    String backendName();

    /** Human-readable description of the device (for logs and reports). */
    String deviceDescription();

    /** Largest work-group (block) size the engine may use. */
    int maxWorkGroupSize();

    /** Largest NTT tile (log2 of 64-bit words) the kernels were compiled for. */
    int tileLog();

    /** Allocates device memory; the contents are undefined. */
    GpuBuffer allocate(long bytes);

    void free(GpuBuffer buffer);

    /** Copies host longs to device memory, in queue order; {@code src} may be reused when this returns. */
    void write(GpuBuffer dst, long dstOffsetBytes, long[] src, int srcIndex, int count);

    /** Copies host ints to the start of a device buffer, in queue order. */
    void write(GpuBuffer dst, int[] src);

    /** Waits for all queued work, then copies device memory to the host. */
    void read(GpuBuffer src, long srcOffsetBytes, long[] dst, int dstIndex, int count);

    /** Device-to-device copy, in queue order. */
    void copy(GpuBuffer src, long srcOffsetBytes, GpuBuffer dst, long dstOffsetBytes, long bytes);

    /** Fills bytes with zero, in queue order. */
    void zero(GpuBuffer dst, long offsetBytes, long bytes);

    /** Launches {@code kernel} on a grid of gridX × gridY blocks of blockX threads. */
    void launch(Kernel kernel, int gridX, int gridY, int blockX, Object... args);

    /** Waits until all queued work has finished. */
    void finish();

    DeviceTimer timer();

    @Override
    void close();
}
