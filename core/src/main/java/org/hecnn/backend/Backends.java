package org.hecnn.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.logging.Logger;

/**
 * Discovers backends with {@link ServiceLoader} and picks one by name: "cpu", "cuda", "opencl", "reference"
 * or "auto" (the most preferred available one; the reason every other one was skipped is logged). Only "auto" and
 * the backend named are probed: discovery ranks by the providers' static preference.
 * The default comes from the system property {@code hecnn.backend}, else "auto".
 */
public final class Backends {
    /** System property that selects the backend when no explicit name is given. */
    public static final String PROPERTY = "hecnn.backend";
    private static final Logger LOG = Logger.getLogger(Backends.class.getName());

    private Backends() {
    }

    /** Every provider on the class path, most preferred first by {@link BackendProvider#preference()} (no probing). */
    public static List<BackendProvider> discover() {
        List<BackendProvider> all = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(all::add);
        all.sort(Comparator.comparingInt((BackendProvider p) -> p.preference()).reversed());
        return all;
    }

    /** The backend named by the system property, or "auto". */
    public static BackendProvider select() {
        return select(System.getProperty(PROPERTY, "auto"));
    }

    public static BackendProvider select(String name) {
        List<BackendProvider> all = discover();
        String wanted = name.trim().toLowerCase(java.util.Locale.ROOT);
        if (wanted.equals("auto")) {
            return auto(all);
        }
        for (BackendProvider p : all) {
            if (p.name().equals(wanted)) {
                Availability a = p.availability();
                if (!a.available()) {
                    throw new BackendUnavailableException("backend '" + wanted + "' is not available: "
                            + a.reason() + ". Choose another with --backend (found " + names(all) + ")");
                }
                return p;
            }
        }
        throw new BackendUnavailableException("unknown backend '" + name + "'; available on the class path: "
                + names(all) + " (or 'auto')");
    }

    /** The available backend of highest {@link BackendProvider#preference(Availability)}; logs why the others lost. */
    private static BackendProvider auto(List<BackendProvider> all) {
        BackendProvider chosen = null;
        Availability chosenAvailability = null;
        for (BackendProvider p : all) {
            Availability a = p.availability();
            if (!a.available()) {
                LOG.info(() -> "backend auto: skipped " + p.name() + ": " + a.reason());
            } else if (chosen == null || p.preference(a) > chosen.preference(chosenAvailability)) {
                chosen = p;
                chosenAvailability = a;
            }
        }
        if (chosen == null) {
            throw new BackendUnavailableException("no backend is available; found " + names(all));
        }
        BackendProvider c = chosen;
        Availability ca = chosenAvailability;
        LOG.info(() -> "backend auto: chose " + c.name() + " (" + ca.reason() + ")");
        for (BackendProvider p : all) {
            if (p != c && p.availability().available()) {
                LOG.fine(() -> "backend auto: skipped " + p.name() + ": " + c.name() + " is preferred");
            }
        }
        return c;
    }

    private static List<String> names(List<BackendProvider> all) {
        return all.stream().map(BackendProvider::name).toList();
    }
}
