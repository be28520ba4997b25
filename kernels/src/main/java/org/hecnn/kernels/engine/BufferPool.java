package org.hecnn.kernels.engine;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Device memory pool: freed buffers are kept by exact size and handed out again, so steady-state engine
 * operations allocate nothing on the device. All methods lock the runtime (the one lock of a device).
 */
final class BufferPool {
    private final GpuRuntime runtime;
    private final long maxCachedBytes;
    private final Map<Long, ArrayDeque<GpuBuffer>> free = new HashMap<>();
    private long cachedBytes;
    private long liveBytes;
    private long peakBytes;
    private boolean closed;

    BufferPool(GpuRuntime runtime, long maxCachedBytes) {
        this.runtime = runtime;
        this.maxCachedBytes = maxCachedBytes;
    }

    GpuBuffer acquire(long bytes) {
        synchronized (runtime) {
            if (closed) {
                throw new IllegalStateException("engine is closed");
            }
            ArrayDeque<GpuBuffer> q = free.get(bytes);
            GpuBuffer b = q == null ? null : q.pollLast();
            if (b != null) {
                cachedBytes -= bytes;
            } else {
                try {
                    b = runtime.allocate(bytes);
                } catch (RuntimeException e) {
                    // Likely out of device memory: give back everything cached and try once more.
                    trim();
                    b = runtime.allocate(bytes);
                }
            }
            liveBytes += bytes;
            peakBytes = Math.max(peakBytes, liveBytes);
            return b;
        }
    }

    void release(GpuBuffer b) {
        synchronized (runtime) {
            liveBytes -= b.bytes();
            if (closed || cachedBytes + b.bytes() > maxCachedBytes) {
                runtime.free(b);
                return;
            }
            free.computeIfAbsent(b.bytes(), k -> new ArrayDeque<>()).addLast(b);
            cachedBytes += b.bytes();
        }
    }

    /** Frees every cached buffer. */
    void trim() {
        synchronized (runtime) {
            for (ArrayDeque<GpuBuffer> q : free.values()) {
                for (GpuBuffer b : q) {
                    runtime.free(b);
                }
            }
            free.clear();
            cachedBytes = 0;
        }
    }

    long peakBytes() {
        synchronized (runtime) {
            return peakBytes;
        }
    }

    void close() {
        synchronized (runtime) {
            trim();
            closed = true;
        }
    }
}
