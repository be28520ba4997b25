package org.hecnn.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hecnn.backend.Availability;
import org.hecnn.backend.BackendProvider;
import org.hecnn.backend.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Lists the backends on the class path and whether each can run here (this probes every one of them). */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = "List compute backends and whether each is available here, and if not, why.")
final class BackendsCommand implements Runnable {
    @Option(names = "--json", description = "machine-readable output: a list of {name, available, reason}")
    boolean json;

    @Override
    public void run() {
        List<Object> rows = new ArrayList<>();
        for (BackendProvider p : Backends.discover()) {
            Availability a = p.availability();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", p.name());
                m.put("available", a.available());
                m.put("reason", a.reason());
                rows.add(m);
            } else {
                System.out.printf("%-10s %-11s %s%n", p.name(), a.available() ? "available" : "unavailable",
                        a.reason());
            }
        }
        if (json) {
            System.out.println(Json.write(rows));
        }
    }
}
