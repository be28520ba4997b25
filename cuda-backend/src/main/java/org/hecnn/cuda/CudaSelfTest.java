package org.hecnn.cuda;

import org.hecnn.kernels.engine.EngineConformance;

/**
 * Bit-exact conformance of the CUDA engine against the scalar reference, runnable without Maven or JUnit:
 * {@code java -cp ... org.hecnn.cuda.CudaSelfTest [quick|large]}. Exit 0: all bit-exact; 1: a difference; 2: CUDA
 * unavailable. "quick" runs one small ring only (for compute-sanitizer), "large" rings of N = 2^14, 2^16, 2^17.
 */
public final class CudaSelfTest {
    private CudaSelfTest() {
    }

    public static void main(String[] args) {
        EngineConformance.main(args.length > 0 ? new String[] {CudaBackendProvider.NAME, args[0]}
                : new String[] {CudaBackendProvider.NAME});
    }
}
