package org.hecnn.cuda;

import org.hecnn.kernels.engine.GpuBenchmark;

/**
 * GPU benchmark on the CUDA backend: {@code java -cp ... org.hecnn.cuda.CudaBenchmark [logN ...] [--runs R]
 * [--warmup W]} (default N = 2^14, 2^15, 2^16). See {@link GpuBenchmark} for what is measured.
 */
public final class CudaBenchmark {
    private CudaBenchmark() {
    }

    public static void main(String[] args) {
        String[] all = new String[args.length + 1];
        all[0] = CudaBackendProvider.NAME;
        System.arraycopy(args, 0, all, 1, args.length);
        GpuBenchmark.main(all);
    }
}
