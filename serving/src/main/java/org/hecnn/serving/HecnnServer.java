package org.hecnn.serving;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hecnn.HecnnException;
import org.hecnn.inference.service.InferenceServer;
import org.hecnn.inference.ServiceDescription;

/**
 * A running hecnn inference service: the gRPC {@code hecnn.serving.v1.Inference} service over one compiled network
 * (Netty, optional TLS), the standard gRPC health service, and Prometheus metrics over HTTP. {@link #close()} shuts
 * down gracefully: it stops accepting, lets accepted requests finish within the grace period, and answers every
 * accepted request it could not run with UNAVAILABLE. Thread-safe.
 */
public final class HecnnServer implements AutoCloseable {
    /** Where and how to listen. {@code metricsPort} −1 serves no metrics; 0 picks a free port. */
    public record Endpoint(String host, int port, int metricsPort, Path tlsCertificate, Path tlsPrivateKey) {
        public Endpoint {
            if (port < 0 || port > 65535 || metricsPort < -1 || metricsPort > 65535) {
                throw new HecnnException("ports must be 0..65535 (0: any free port), got " + port + " and metrics "
                        + metricsPort);
            }
            if ((tlsCertificate == null) != (tlsPrivateKey == null)) {
                throw new HecnnException("TLS needs both --tls-cert and --tls-key");
            }
        }

        /** Plain-text gRPC on loopback, metrics on any free loopback port (tests, local use). */
        public static Endpoint loopback(int port) {
            return new Endpoint("127.0.0.1", port, 0, null, null);
        }
    }

    private static final String SERVICE = "hecnn.serving.v1.Inference";

    private final Server grpc;
    private final InferenceService service;
    private final SessionRegistry sessions;
    private final ThreadPoolExecutor evaluations;
    private final ThreadPoolExecutor uploads;
    private final ScheduledExecutorService sweeper;
    private final HealthStatusManager health = new HealthStatusManager();
    private final ServingMetrics metrics = new ServingMetrics();
    private final MetricsEndpoint metricsEndpoint;
    private final ServingLimits limits;
    private final MemoryBudget budget;

    private HecnnServer(InferenceServer server, ServingLimits requested, Endpoint endpoint) throws IOException {
        budget = MemoryBudget.measure(server, requested.workers());
        if (requested.keyMemoryBytes() == 0) {
            budget.requireOneSession(server.modelName(), server.keyFootprint().engineBytes());
        }
        this.limits = requested.keyMemoryBytes() == 0 ? requested.withKeyMemory(budget.keyMemoryBytes()) : requested;
        ServiceDescription description = server.description();
        long maxRequest = maxRequestBytes(description);
        boolean insecure = description.parameters().isInsecure();
        sessions = new SessionRegistry(limits);
        BlockingQueue<Runnable> queue = limits.queueCapacity() == 0 ? new SynchronousQueue<>()
                : new ArrayBlockingQueue<>(limits.queueCapacity());
        evaluations = new ThreadPoolExecutor(limits.workers(), limits.workers(), 0, TimeUnit.MILLISECONDS, queue,
                named("hecnn-evaluate"));
        uploads = new ThreadPoolExecutor(0, limits.maxSessions(), 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                named("hecnn-key-upload"));
        service = new InferenceService(server, limits, sessions, evaluations, uploads, metrics, maxRequest, insecure);
        ServerCredentials credentials = endpoint.tlsCertificate() == null ? InsecureServerCredentials.create()
                : TlsServerCredentials.create(endpoint.tlsCertificate().toFile(), endpoint.tlsPrivateKey().toFile());
        grpc = Grpc.newServerBuilderForPort(endpoint.port(), credentials)
                .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE,
                        Math.max(maxRequest, InferenceService.MAX_CHUNK_BYTES) + (1 << 20)))
                .addService(service).addService(health.getHealthService()).build();
        grpc.start();
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(SERVICE, ServingStatus.SERVING);
        metrics.gauge("hecnn_sessions", sessions::size);
        metrics.gauge("hecnn_key_uploads_in_progress", sessions::uploading);
        metrics.gauge("hecnn_key_bytes_held", sessions::keyBytes);
        metrics.gauge("hecnn_key_bytes_limit", limits::keyMemoryBytes);
        metrics.gauge("hecnn_model_heap_bytes", budget::modelBytes);
        metrics.gauge("hecnn_queue_depth", () -> evaluations.getQueue().size());
        metrics.gauge("hecnn_evaluations_running", evaluations::getActiveCount);
        metrics.gauge("hecnn_heap_used_bytes", () -> Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
        metrics.gauge("hecnn_resident_bytes", HecnnServer::residentBytes);
        metricsEndpoint = endpoint.metricsPort() < 0 ? null
                : new MetricsEndpoint(new InetSocketAddress(endpoint.host(), endpoint.metricsPort()), metrics);
        sweeper = Executors.newSingleThreadScheduledExecutor(named("hecnn-session-expiry"));
        long every = Math.max(1, Math.min(30, limits.sessionIdle().toSeconds() / 4));
        sweeper.scheduleWithFixedDelay(() -> sessions.expireIdle(System.nanoTime()), every, every, TimeUnit.SECONDS);
    }

    /**
     * Starts serving {@code server}'s network.
     *
     * @throws HecnnException if the port cannot be bound or the TLS files cannot be read
     */
    public static HecnnServer start(InferenceServer server, ServingLimits limits, Endpoint endpoint) {
        try {
            return new HecnnServer(server, limits, endpoint);
        } catch (IOException e) {
            throw new HecnnException("cannot listen on " + endpoint.host() + ":" + endpoint.port() + ": " + e.getMessage()
                    + " (is another server using the port?)", e);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new HecnnException("cannot start the server: " + e.getMessage(), e);
        }
    }

    /** The limits in force (the key memory resolved from the heap where it was left to the server). */
    public ServingLimits limits() {
        return limits;
    }

    /** The heap measured at start: what the model holds and what the keys may. */
    public MemoryBudget memoryBudget() {
        return budget;
    }

    /** The gRPC port. */
    public int port() {
        return grpc.getPort();
    }

    /** The metrics port, or −1 when none is served. */
    public int metricsPort() {
        return metricsEndpoint == null ? -1 : metricsEndpoint.port();
    }

    /** The counters and gauges. */
    public ServingMetrics metrics() {
        return metrics;
    }

    /** Open sessions now. */
    public int sessions() {
        return sessions.size();
    }

    /** Bytes of keys held or reserved now. */
    public long keyBytesHeld() {
        return sessions.keyBytes();
    }

    /** Blocks until the server has shut down. */
    public void awaitTermination() throws InterruptedException {
        grpc.awaitTermination();
    }

    /**
     * Graceful shutdown: no new sessions or requests; accepted requests finish within the grace period; those still
     * waiting then get UNAVAILABLE; the sessions' keys are freed.
     */
    @Override
    public void close() {
        service.stopAccepting();
        health.enterTerminalState();
        grpc.shutdown();
        evaluations.shutdown();
        try {
            if (!evaluations.awaitTermination(limits.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                for (Runnable r : evaluations.shutdownNow()) {
                    ((InferenceService.QueuedEvaluation) r).dropped();
                }
                evaluations.awaitTermination(limits.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        uploads.shutdownNow();
        sweeper.shutdownNow();
        grpc.shutdownNow();
        try {
            grpc.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sessions.close();
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
    }

    /** The largest request the service takes: its input ciphertexts at the input level, uncompressed, plus framing. */
    static long maxRequestBytes(ServiceDescription d) {
        long perCiphertext = 2L * (d.inputLevel() + 1) * d.parameters().slots() * 2 * 8 + 4096;
        return d.requestCiphertexts() * perCiphertext + 4096;
    }

    private static long residentBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
