package org.hecnn.backend;

/**
 * Opaque handle to a polynomial decomposed into key-switching digits and raised to Q_l·P (ModUp), kept on
 * the engine so several key switches (hoisted rotations) can share one decomposition.
 */
public interface DeviceDecomposition extends AutoCloseable {
    int qLimbs();

    @Override
    void close();
}
