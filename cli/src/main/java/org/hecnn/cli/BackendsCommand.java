package org.hecnn.cli;

import org.hecnn.backend.Availability;
import org.hecnn.backend.BackendProvider;
import org.hecnn.backend.Backends;
import picocli.CommandLine.Command;

/** Lists the backends on the class path and whether each can run here. */
@Command(name = "backends", description = "List compute backends and whether each is available here.")
final class BackendsCommand implements Runnable {
    @Override
    public void run() {
        for (BackendProvider p : Backends.discover()) {
            Availability a = p.availability();
            System.out.printf("%-10s %-11s %s%n", p.name(), a.available() ? "available" : "unavailable", a.reason());
        }
    }
}
