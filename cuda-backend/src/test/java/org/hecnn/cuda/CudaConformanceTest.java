package org.hecnn.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import org.hecnn.backend.Availability;
import org.hecnn.backend.BackendUnavailableException;
import org.hecnn.backend.Backends;
import org.hecnn.backend.PolyEngine;
import org.hecnn.kernels.engine.EngineConformance;
import org.hecnn.kernels.engine.GpuEngine;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every PolyEngine operation of the CUDA engine on random inputs, bit for bit against the scalar reference
 * (the same checks as the OpenCL backend's). Skipped, with the reason, where CUDA is unavailable.
 */
class CudaConformanceTest {
    private static void assumeCuda() {
        Availability a = new CudaBackendProvider().availability();
        Assumptions.assumeTrue(a.available(), () -> "CUDA unavailable: " + a.reason());
    }

    static Stream<EngineConformance.Config> configs() {
        return EngineConformance.standardConfigs().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void everyOperationIsBitExact(EngineConformance.Config config) {
        assumeCuda();
        CudaRuntime rt = CudaBackendProvider.runtime();
        int tile = config.tileLog() > 0 ? Math.min(config.tileLog(), rt.tileLog()) : rt.tileLog();
        try (PolyEngine engine = new GpuEngine(config.ring(), rt, tile)) {
            EngineConformance conformance = new EngineConformance(engine, 0x5eed ^ config.hashCode());
            conformance.runAll();
            assertTrue(conformance.checked().size() > 100, "too few checks ran: " + conformance.checked());
        }
    }

    @Test
    void providerIsRegisteredWithItsPreference() {
        CudaBackendProvider p = new CudaBackendProvider();
        assertEquals("cuda", p.name());
        assertEquals(30, p.preference());
        assertTrue(Backends.discover().stream().anyMatch(b -> b.name().equals("cuda")));
    }

    @Test
    void unavailabilityIsReportedNotThrown() {
        Availability a = new CudaBackendProvider().availability();
        Assumptions.assumeFalse(a.available(), "CUDA is available here; nothing to check");
        assertFalse(a.reason().isBlank());
        BackendUnavailableException e = Assertions.assertThrows(BackendUnavailableException.class,
                () -> Backends.select("cuda"));
        assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
        // "auto" falls back to another backend.
        assertFalse(Backends.select("auto").name().equals("cuda"));
    }

    @Test
    void engineReportsItsBackend() {
        assumeCuda();
        try (PolyEngine e = Backends.select("cuda").open(EngineConformance.standardConfigs().get(0).ring())) {
            assertEquals("cuda", e.backendName());
        }
    }
}
