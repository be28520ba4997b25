package org.hecnn.kernels.engine;

/** Measures device time between two points of the runtime's queue (CUDA events, or wall time after a finish). */
public interface DeviceTimer extends AutoCloseable {
    void start();

    /** Milliseconds of device time since {@link #start()}; waits for the work in between to finish. */
    double stopMillis();

    @Override
    default void close() {
    }
}
