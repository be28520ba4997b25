package org.hecnn.ckks;

import org.hecnn.backend.BackendProvider;
import org.hecnn.backend.BackendUnavailableException;
import org.hecnn.backend.Backends;
import org.junit.jupiter.api.Assumptions;

/**
 * Test support: contexts on the backend named by the system property {@code hecnn.test.backend} (default
 * "reference"), so the same suite runs against every backend module. An unavailable backend skips the test
 * with the reason instead of passing.
 */
public final class TestContexts {
    private TestContexts() {
    }

    public static String backendName() {
        return System.getProperty("hecnn.test.backend", "reference");
    }

    public static BackendProvider backend() {
        try {
            return Backends.select(backendName());
        } catch (BackendUnavailableException e) {
            Assumptions.abort("backend " + backendName() + " unavailable: " + e.getMessage());
            throw e;
        }
    }

    public static CkksContext context(CkksParameters parameters) {
        return CkksContext.create(parameters, backend());
    }

    /** INSECURE small set for fast tests: N = 2^logN, 40-bit scale, 4 levels, 2 special primes, dnum 3 (digits below P). */
    public static CkksParameters small(int logN) {
        return CkksParameters.builder().logN(logN).dataPrimeBits(55, 40, 40, 40, 40)
                .specialPrimeBits(60, 60).dnum(3).scaleBits(40).allowInsecureForTestsOnly().build();
    }
}
