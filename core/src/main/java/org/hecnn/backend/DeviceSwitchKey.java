package org.hecnn.backend;

/**
 * Opaque handle to a key-switching key resident in a {@link PolyEngine}: for each digit j a pair
 * (b_j, a_j) over the full basis QP in NTT form.
 */
public interface DeviceSwitchKey extends AutoCloseable {
    @Override
    void close();
}
