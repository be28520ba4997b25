package org.hecnn.serving.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.hecnn.HecnnException;
import org.hecnn.backend.BackendProvider;
import org.hecnn.serving.OverloadedException;

/**
 * Drives a remote service of any layout with {@code clients} concurrent clients, each with its own keys and session,
 * each sending {@code requests} requests one after another (closed loop), each request carrying
 * {@code imagesPerRequest} images (more than one only where the service's capacity allows: the batched layout). A refused session or request (overload) is retried after
 * the server's hint, up to a bound, so the report can say both what overload looked like and that no request was
 * lost.
 * Not thread-safe: one run at a time.
 */
public final class LoadGenerator {
    /** What one run measured. Latencies are wall times seen by the clients, encryption and decryption included. */
    public record Report(int clients, int requestsPerClient, int imagesPerRequest, int answered, int lost,
                         int overloadRefusals,
                         String firstOverloadMessage, double wallSeconds, double throughputPerSecond,
                         double p50Seconds, double p99Seconds, double maxSeconds, double meanKeyUploadSeconds,
                         long keyUploadBytes, List<String> failures) {
    }

    private static final int MAX_RETRIES = 50;

    private final String target;
    private final java.nio.file.Path trustedCertificates;
    private final boolean allowInsecureForTestsOnly;
    private final BackendProvider backend;
    private final Duration deadline;

    public LoadGenerator(String target, java.nio.file.Path trustedCertificates, boolean allowInsecureForTestsOnly,
                         BackendProvider backend, Duration deadline) {
        this.target = target;
        this.trustedCertificates = trustedCertificates;
        this.allowInsecureForTestsOnly = allowInsecureForTestsOnly;
        this.backend = backend;
        this.deadline = deadline;
    }

    /**
     * Runs the load; {@code images.apply(i)} is the i-th image (flattened in the model's input order, normalised) a
     * client sends; {@code imagesPerRequest} 0 means as many as the service's requests carry. Throughput counts images.
     */
    public Report run(int clients, int requests, int imagesPerRequest, IntFunction<double[]> images)
            throws InterruptedException {
        if (clients < 1 || requests < 1 || imagesPerRequest < 0) {
            throw new HecnnException("--clients and --requests must be at least 1 and --images-per-request at least 0, "
                    + "got " + clients + ", " + requests + " and " + imagesPerRequest);
        }
        int perRequest = imagesPerRequest;
        if (perRequest == 0) {
            try (RemoteInference probe = RemoteInference.connect(target, trustedCertificates, allowInsecureForTestsOnly,
                    backend)) {
                perRequest = probe.capacity();
            }
        }
        int batch = perRequest;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<ClientResult>> running = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int client = c;
            running.add(pool.submit(() -> drive(client, requests, batch, images)));
        }
        List<Double> latencies = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        int refusals = 0;
        String firstOverload = null;
        double uploadSeconds = 0;
        long uploadBytes = 0;
        for (Future<ClientResult> f : running) {
            try {
                ClientResult r = f.get();
                latencies.addAll(r.latencies);
                refusals += r.refusals;
                firstOverload = firstOverload == null ? r.firstOverload : firstOverload;
                uploadSeconds += r.uploadSeconds;
                uploadBytes += r.uploadBytes;
                failures.addAll(r.failures);
            } catch (java.util.concurrent.ExecutionException e) {
                failures.add(String.valueOf(e.getCause()));
            }
        }
        pool.shutdown();
        double wall = (System.nanoTime() - start) / 1e9;
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int answered = sorted.length;
        return new Report(clients, requests, batch, answered, clients * requests - answered, refusals, firstOverload,
                wall, answered * (double) batch / wall, quantile(sorted, 0.5), quantile(sorted, 0.99),
                sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1], uploadSeconds / clients,
                uploadBytes / clients, failures);
    }

    private record ClientResult(List<Double> latencies, int refusals, String firstOverload, double uploadSeconds,
                                long uploadBytes, List<String> failures) {
    }

    private ClientResult drive(int client, int requests, int batch, IntFunction<double[]> images) {
        List<Double> latencies = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Retries retries = new Retries();
        long bytes = 0;
        double upload = 0;
        try (RemoteInference remote = RemoteInference.connect(target, trustedCertificates, allowInsecureForTestsOnly,
                backend)) {
            long t0 = System.nanoTime();
            // all sessions taken (key memory): wait for one to close
            Long uploaded = retries.run(remote::openSession);
            if (uploaded == null) {
                throw new OverloadedException("no session after " + MAX_RETRIES + " retries", Duration.ZERO);
            }
            bytes = uploaded;
            upload = (System.nanoTime() - t0) / 1e9;
            for (int i = 0; i < requests; i++) {
                double[][] request = new double[batch][];
                for (int b = 0; b < batch; b++) {
                    request[b] = images.apply((client * requests + i) * batch + b);
                }
                // the latency of the attempt that was answered (waits after refusals are not counted)
                double[][] answered = retries.run(() -> {
                    long s = System.nanoTime();
                    double[][] logits = remote.infer(request, deadline);
                    latencies.add((System.nanoTime() - s) / 1e9);
                    return logits;
                });
                if (answered == null) {
                    failures.add("client " + client + " request " + i + ": still overloaded after " + MAX_RETRIES
                            + " retries");
                }
            }
        } catch (RuntimeException | InterruptedException e) {
            failures.add("client " + client + ": " + e.getMessage());
        }
        return new ClientResult(latencies, retries.refusals, retries.first, upload, bytes, failures);
    }

    /** Runs a call again after each overload refusal (waiting the server's hint), counting the refusals. */
    private static final class Retries {
        int refusals;
        String first;

        /** The call's result, or null after {@link #MAX_RETRIES} refusals. */
        <T> T run(java.util.function.Supplier<T> call) throws InterruptedException {
            for (int attempt = 0; ; attempt++) {
                try {
                    return call.get();
                } catch (OverloadedException e) {
                    refusals++;
                    first = first == null ? e.getMessage() : first;
                    if (attempt == MAX_RETRIES) {
                        return null;
                    }
                    Thread.sleep(e.retryAfter().toMillis());
                }
            }
        }
    }

    private static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
