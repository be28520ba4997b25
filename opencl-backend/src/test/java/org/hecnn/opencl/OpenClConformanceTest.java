package org.hecnn.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import org.hecnn.backend.Availability;
import org.hecnn.backend.BackendProvider;
import org.hecnn.backend.Backends;
import org.hecnn.backend.PolyEngine;
import org.hecnn.kernels.engine.EngineConformance;
import org.hecnn.kernels.engine.GpuEngine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every PolyEngine operation of the OpenCL engine on random inputs, bit for bit against the scalar reference
 * engine, over rings with N = 2^10..2^12, 30..61-bit moduli, dnum 1..3 and 1..2 special primes (some with small
 * NTT tiles, so that transforms take 3 to 7 passes). Skipped with the reason when no OpenCL device exists.
 */
class OpenClConformanceTest {
    /** Every test that needs a device calls this first, so each reports as skipped (with the reason) without one. */
    private static void assumeOpenCl() {
        Availability a = new OpenClBackendProvider().availability();
        Assumptions.assumeTrue(a.available(), () -> "OpenCL unavailable: " + a.reason());
    }

    @Test
    void providerDescribesItselfWithOrWithoutADevice() {
        OpenClBackendProvider p = new OpenClBackendProvider();
        assertEquals("opencl", p.name());
        Availability a = p.availability();
        // Below the cpu backend (10) on a CPU device such as PoCL, above it on a GPU or without a device; the
        // preference that discovery ranks by needs no probe.
        assertEquals(20, p.preference());
        assertEquals(a.available() && a.reason().startsWith("OpenCL CPU") ? 5 : 20, p.preference(a));
        assertFalse(a.reason() == null || a.reason().isBlank());
        assertTrue(Backends.discover().stream().anyMatch(b -> b.name().equals("opencl")));
    }

    static Stream<EngineConformance.Config> configs() {
        return EngineConformance.standardConfigs().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void everyOperationIsBitExact(EngineConformance.Config config) {
        assumeOpenCl();
        OpenClRuntime rt = OpenClBackendProvider.runtime();
        int tile = config.tileLog() > 0 ? Math.min(config.tileLog(), rt.tileLog()) : rt.tileLog();
        try (PolyEngine engine = new GpuEngine(config.ring(), rt, tile)) {
            EngineConformance conformance = new EngineConformance(engine, 0x5eed ^ config.hashCode());
            conformance.runAll();
            assertTrue(conformance.checked().size() > 100, "too few checks ran: " + conformance.checked());
        }
    }

    @Test
    void providerIsSelectableByName() {
        assumeOpenCl();
        BackendProvider p = Backends.select("opencl");
        assertEquals("opencl", p.name());
        assertTrue(p.availability().available());
        assertEquals(p.availability().reason().startsWith("OpenCL CPU") ? 5 : 20, p.preference(p.availability()));
        assertTrue(Backends.discover().stream().anyMatch(b -> b.name().equals("reference")));
    }

    @Test
    void engineReportsItsBackend() {
        assumeOpenCl();
        try (PolyEngine e = Backends.select("opencl").open(EngineConformance.standardConfigs().get(0).ring())) {
            assertEquals("opencl", e.backendName());
        }
    }

    @Test
    void unknownDeviceSelectionIsReported() {
        assumeOpenCl();
        String old = System.getProperty(OpenClDevices.PROPERTY);
        try {
            System.setProperty(OpenClDevices.PROPERTY, "no-such-device-xyz");
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> OpenClDevices.choose(OpenClDevices.list()));
            assertTrue(e.getMessage().contains("matches no OpenCL device"), e.getMessage());
            System.setProperty(OpenClDevices.PROPERTY, "0");
            assertEquals(0, OpenClDevices.choose(OpenClDevices.list()).index());
        } finally {
            if (old == null) {
                System.clearProperty(OpenClDevices.PROPERTY);
            } else {
                System.setProperty(OpenClDevices.PROPERTY, old);
            }
        }
    }

    @Test
    void concurrentCallersGetTheReferenceResults() throws Exception {
        assumeOpenCl();
        EngineConformance.Config config = EngineConformance.standardConfigs().get(1);
        try (PolyEngine engine = new OpenClBackendProvider().open(config.ring())) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                java.util.List<java.util.concurrent.Future<Integer>> runs = new java.util.ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    long seed = 1000 + t;
                    runs.add(pool.submit(() -> {
                        EngineConformance c = new EngineConformance(engine, seed);
                        c.runAll();
                        return c.checked().size();
                    }));
                }
                for (java.util.concurrent.Future<Integer> f : runs) {
                    assertTrue(f.get() > 100);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void programIsBuiltOnceAndCached() {
        assumeOpenCl();
        OpenClRuntime rt = OpenClBackendProvider.runtime();
        assertFalse(rt.buildNote().isBlank());
        // A second runtime on the same device finds the binary in the cache.
        OpenClRuntime again = new OpenClRuntime(rt.device());
        try {
            assertTrue(again.buildNote().startsWith("loaded from cache"), again.buildNote());
        } finally {
            again.close();
        }
    }
}
