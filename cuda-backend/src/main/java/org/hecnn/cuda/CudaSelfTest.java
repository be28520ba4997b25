package org.hecnn.cuda;

import org.hecnn.kernels.engine.EngineConformance;

/**
 * Bit-exact conformance of the CUDA engine against the scalar reference, runnable without Maven or JUnit:
 * {@code java -cp ... org.hecnn.cuda.CudaSelfTest}. Exit 0: all bit-exact; 1: a difference; 2: CUDA unavailable.
 */
public final class CudaSelfTest {
    private CudaSelfTest() {
    }

    public static void main(String[] args) {
        EngineConformance.main(new String[] {CudaBackendProvider.NAME});
    }
}
