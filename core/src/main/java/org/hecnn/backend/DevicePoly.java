package org.hecnn.backend;

/**
 * Opaque handle to an RNS polynomial held by a {@link PolyEngine}, possibly in device memory.
 * Its limbs are q_0..q_{qLimbs-1}, followed by all special moduli when {@link #hasSpecial()}.
 * Handles are only valid with the engine that made them. Closing releases device memory early; engines must
 * also release it when the handle becomes unreachable.
 */
public interface DevicePoly extends AutoCloseable {
    int qLimbs();

    boolean hasSpecial();

    @Override
    void close();
}
