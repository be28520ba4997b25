package org.hecnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.hecnn.kernels.engine.Kernel;
import org.hecnn.kernels.engine.NttPlan;
import org.junit.jupiter.api.Test;

class KernelSourcesTest {
    @Test
    void sourceDeclaresEveryKernelTheEngineLaunches() {
        String src = KernelSources.kernelSource();
        for (Kernel k : Kernel.values()) {
            assertTrue(src.contains("KERNEL " + k.entry() + "("), "rns.cl lacks " + k.entry());
        }
        String program = KernelSources.openClProgram(9);
        assertTrue(program.startsWith("#define HECNN_TILE_LOG 9\n"));
        assertTrue(program.contains("#define KERNEL __kernel void"));
    }

    @Test
    void cudaImagesAreConsistent() {
        // Either nvcc ran (fatbin, PTX and build info all present) or it did not (none of them).
        assertEquals(KernelSources.cudaFatbin().isPresent(), KernelSources.cudaPtx().isPresent());
        assertEquals(KernelSources.cudaFatbin().isPresent(), KernelSources.cudaBuildInfo().isPresent());
        KernelSources.cudaPtx().ifPresent(ptx -> {
            assertEquals(0, ptx[ptx.length - 1], "PTX for cuModuleLoadData must end with a 0 byte");
            String text = new String(ptx, 0, ptx.length - 1, java.nio.charset.StandardCharsets.US_ASCII);
            for (Kernel k : Kernel.values()) {
                assertTrue(text.contains(".entry " + k.entry()), "PTX lacks " + k.entry());
            }
        });
        // The packaged CUDA images were compiled from exactly the packaged source.
        KernelSources.cudaBuildInfo().ifPresent(p ->
                assertEquals(KernelSources.sha256(KernelSources.compatHeader() + KernelSources.kernelSource()),
                        p.getProperty("sourceSha256")));
    }

    @Test
    void nttPlansCoverEveryStageOnceWithinTheTile() {
        for (int tileLog = 1; tileLog <= 11; tileLog++) {
            for (int logN = 1; logN <= 17; logN++) {
                for (NttPlan plan : List.of(NttPlan.forward(logN, tileLog), NttPlan.inverse(logN, tileLog))) {
                    boolean[] seen = new boolean[logN];
                    for (NttPlan.Pass p : plan.passes()) {
                        assertTrue(p.k() >= 1 && p.logR() >= 0 && p.tileLog() <= Math.max(tileLog, 1),
                                "bad pass " + p + " for logN " + logN + " tile " + tileLog);
                        for (int s = p.s0(); s < p.s0() + p.k(); s++) {
                            assertTrue(!seen[s], "stage " + s + " twice");
                            seen[s] = true;
                        }
                    }
                    boolean[] all = new boolean[logN];
                    Arrays.fill(all, true);
                    assertTrue(Arrays.equals(all, seen), "stages missing: " + plan);
                }
                // Forward: strided passes must leave room for their consecutive run (lowBits >= logR).
                for (NttPlan.Pass p : NttPlan.forward(logN, tileLog).passes()) {
                    assertTrue(logN - p.s0() - p.k() >= p.logR(), "forward " + p);
                }
                for (NttPlan.Pass p : NttPlan.inverse(logN, tileLog).passes()) {
                    assertTrue(p.s0() >= p.logR(), "inverse " + p);
                }
            }
        }
        assertEquals(2, NttPlan.forward(16, 11).passes().size());
        assertEquals(2, NttPlan.inverse(17, 11).passes().size());
    }
}
