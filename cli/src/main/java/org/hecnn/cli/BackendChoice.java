package org.hecnn.cli;

import org.hecnn.backend.BackendProvider;
import org.hecnn.backend.Backends;

/**
 * Selects the backend a command runs on and says which, in one line on standard error (with --verbose the log also
 * says why "auto" skipped the others). Only "auto" probes every backend; a backend named is the only one probed.
 */
final class BackendChoice {
    private BackendChoice() {
    }

    static BackendProvider select(String name) {
        BackendProvider p = Backends.select(name);
        System.err.println("backend: " + p.name() + (name.trim().equalsIgnoreCase("auto") ? " (auto)" : "") + ", "
                + p.availability().reason());
        return p;
    }
}
