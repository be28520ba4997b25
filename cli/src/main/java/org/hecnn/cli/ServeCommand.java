package org.hecnn.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.hecnn.backend.host.HostEngine;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.service.InferenceServer;
import org.hecnn.serving.HecnnServer;
import org.hecnn.serving.ServingLimits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Runs the inference service for the network of any layout that {@link ModelOptions#network} builds: compiles it
 * once, then serves encrypted requests over gRPC until SIGINT or SIGTERM, when it shuts down gracefully (accepted
 * requests finish within the grace period).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve encrypted inference over gRPC (hecnn.serving.v1.Inference; see docs/serving.md).")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Option(names = "--host", description = "address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every "
            + "interface)", defaultValue = "127.0.0.1")
    String host;

    @Option(names = "--port", description = "gRPC port, 0 for any free port (default: ${DEFAULT-VALUE})",
            defaultValue = "7878")
    int port;

    @Option(names = "--metrics-port", description = "HTTP port of the Prometheus metrics (/metrics) on --host, 0 for "
            + "any free port, -1 for none (default: ${DEFAULT-VALUE})", defaultValue = "-1")
    int metricsPort;

    @Option(names = "--tls-cert", description = "PEM certificate chain: serve TLS (needs --tls-key)")
    Path tlsCert;

    @Option(names = "--tls-key", description = "PEM private key (PKCS#8) of --tls-cert")
    Path tlsKey;

    @Option(names = "--max-sessions", description = "sessions (client key sets) held at once (default: ${DEFAULT-VALUE})",
            defaultValue = "16")
    int maxSessions;

    @Option(names = "--key-memory-mib", description = "MiB of evaluation keys (as the engine holds them) all sessions "
            + "may hold (default: what the model and the running evaluations leave of 80% of the heap, measured at "
            + "start; the server refuses to start if one session does not fit)")
    Long keyMemoryMib;

    @Option(names = "--seeded-keys", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "keep only the seed of each key's uniform half and remake its limbs at each use (CPU, "
            + "N = 2^16): half the key memory, so about twice the sessions, for about 11% longer ResNet-20 "
            + "evaluations; --no-seeded-keys keeps them expanded (default: ${DEFAULT-VALUE})")
    boolean seededKeys;

    @Option(names = "--max-key-upload-mib", description = "largest key upload in MiB (default: what the served "
            + "network's keys can take)")
    Long maxKeyUploadMib;

    @Option(names = "--session-idle", description = "seconds after which an idle session expires (default: "
            + "${DEFAULT-VALUE})", defaultValue = "900")
    long sessionIdleSeconds;

    @Option(names = "--workers", description = "evaluations at once (default: ${DEFAULT-VALUE}; one already uses "
            + "every core)", defaultValue = "1")
    int workers;

    @Option(names = "--queue", description = "accepted requests that may wait for a worker; more are refused as "
            + "overload (default: ${DEFAULT-VALUE})", defaultValue = "8")
    int queue;

    @Option(names = "--shutdown-grace", description = "seconds a shutdown lets accepted requests finish (default: "
            + "${DEFAULT-VALUE})", defaultValue = "60")
    long graceSeconds;

    @Override
    public Integer call() throws InterruptedException {
        // ServingLimits and Endpoint check every range and name the option that is out of it
        ServingLimits limits = new ServingLimits(maxSessions, keyMemoryMib == null ? 0
                : positiveMib("--key-memory-mib", keyMemoryMib), maxKeyUploadMib == null ? 0
                : positiveMib("--max-key-upload-mib", maxKeyUploadMib), Duration.ofSeconds(sessionIdleSeconds),
                workers, queue, Duration.ofSeconds(graceSeconds));
        HecnnServer.Endpoint endpoint = new HecnnServer.Endpoint(host, port, metricsPort, tlsCert, tlsKey);
        // Read by the CPU engines made below and by the key-memory accounting: one choice for the whole server.
        System.setProperty(HostEngine.SEEDED_KEYS, String.valueOf(seededKeys));
        LayoutNetwork built = options.network(options.familyOfModel(), 1, true);
        EncryptedNetwork network = built.network();
        InferenceServer inference = new InferenceServer(network);
        HecnnServer server;
        try {
            server = HecnnServer.start(inference, limits, endpoint);
        } catch (RuntimeException e) {
            built.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            System.err.println("shutting down: finishing accepted requests (at most " + graceSeconds + " s)");
            server.close();
            built.close();
            stopped.countDown();
        }, "hecnn-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", network.name());
        m.put("layout", ServiceLink.layoutOf(network.description()));
        m.put("imagesPerRequest", network.description().capacity());
        m.put("address", host + ":" + server.port());
        m.put("tls", tlsCert != null);
        m.put("metricsPort", server.metricsPort());
        m.put("parameters", "N = 2^" + network.context().parameters().logN() + ", log QP "
                + network.context().parameters().logQP());
        m.put("maxSessions", maxSessions);
        m.put("heapMiB", server.memoryBudget().heapBytes() >> 20);
        m.put("modelHeapMiB", server.memoryBudget().modelBytes() >> 20);
        m.put("workingSetMiB", server.memoryBudget().workingSetBytes() >> 20);
        m.put("keyMemoryMiB", server.limits().keyMemoryBytes() >> 20);
        m.put("sessionKeyMiB", inference.keyFootprint().engineBytes() >> 20);
        m.put("workers", workers);
        m.put("queue", queue);
        if (keyMemoryMib != null && server.limits().keyMemoryBytes() > server.memoryBudget().keyMemoryBytes()) {
            System.err.printf(Locale.ROOT, "warning: --key-memory-mib %d is more than the heap holds beside the model "
                    + "and its evaluations (%d MiB): the heap may fill under load%n", keyMemoryMib,
                    Math.max(0, server.memoryBudget().keyMemoryBytes() >> 20));
        }
        if (options.json) {
            System.out.println(Json.write(m));
        } else {
            System.out.printf(Locale.ROOT, "serving %s (%s layout, %d images per request) on %s:%d (%s), %s; metrics "
                    + "%s; Ctrl-C stops%n", m.get("model"), m.get("layout"), m.get("imagesPerRequest"), host,
                    server.port(), tlsCert != null ? "TLS" : "plain text", m.get("parameters"),
                    server.metricsPort() < 0 ? "off" : "http://" + host + ":" + server.metricsPort() + "/metrics");
            System.out.printf(Locale.ROOT, "memory: heap %,d MiB, model %,d MiB, %,d MiB per evaluation; keys up to "
                    + "%,d MiB (%d session(s) of %,d MiB)%n", m.get("heapMiB"), m.get("modelHeapMiB"),
                    m.get("workingSetMiB"), m.get("keyMemoryMiB"), (Long) m.get("keyMemoryMiB")
                    / Math.max(1, (Long) m.get("sessionKeyMiB")), m.get("sessionKeyMiB"));
        }
        System.out.flush();
        stopped.await();
        return 0;
    }

    private static long positiveMib(String option, long mib) {
        if (mib < 1 || mib > (1L << 40)) {
            throw new InvalidOptionException(option + " must be between 1 and 2^40 MiB (got " + mib + ")");
        }
        return mib << 20;
    }
}
