package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** `--seeded-keys` of infer and eval: set for this process's engines by every command, refused for a client. */
class LocalKeyOptionsTest {
    @Test
    void seededKeysAreALocalChoice() {
        String err = CliRun.failing("infer", "--server", "localhost:1", "--seeded-keys");
        assertTrue(err.contains("--seeded-keys applies to evaluation in this process"), err);
        String before = System.getProperty(org.hecnn.backend.host.HostEngine.SEEDED_KEYS);
        try {
            CliRun.failing("eval", "--seeded-keys", "--data", "missing.bin");
            assertTrue(Boolean.getBoolean(org.hecnn.backend.host.HostEngine.SEEDED_KEYS));
            CliRun.failing("eval", "--data", "missing.bin");
            assertFalse(Boolean.getBoolean(org.hecnn.backend.host.HostEngine.SEEDED_KEYS), "each command says again");
        } finally {
            if (before == null) {
                System.clearProperty(org.hecnn.backend.host.HostEngine.SEEDED_KEYS);
            } else {
                System.setProperty(org.hecnn.backend.host.HostEngine.SEEDED_KEYS, before);
            }
        }
    }
}
