package org.hecnn.serving;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * The server's counters, latency histogram and gauges, rendered in the Prometheus text exposition format.
 * Thread-safe: every update is a lock-free atomic.
 */
public final class ServingMetrics {
    /** Upper bounds (seconds) of the evaluation latency histogram's buckets. */
    static final double[] BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320};

    private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
    private final AtomicLongArray bucketCounts = new AtomicLongArray(BUCKETS.length + 1);
    private final AtomicLong latencyMicros = new AtomicLong();
    private final AtomicLong keyUploads = new AtomicLong();
    private final AtomicLong keyUploadBytes = new AtomicLong();
    private final Map<String, LongSupplier> gauges = new ConcurrentHashMap<>();

    /** Counts a finished request by outcome (ok, refused, malformed, overloaded, expired, deadline, cancelled, error). */
    public void request(String outcome) {
        requests.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
    }

    /** Records the latency of an evaluation that produced a response. */
    public void latency(double seconds) {
        int b = 0;
        while (b < BUCKETS.length && seconds > BUCKETS[b]) {
            b++;
        }
        bucketCounts.incrementAndGet(b);
        latencyMicros.addAndGet(Math.round(seconds * 1e6));
    }

    /** The mean evaluation latency so far, in seconds (0 before the first). */
    public double meanLatencySeconds() {
        long n = 0;
        for (int b = 0; b < bucketCounts.length(); b++) {
            n += bucketCounts.get(b);
        }
        return n == 0 ? 0 : latencyMicros.get() / 1e6 / n;
    }

    /** Records a completed key upload. */
    public void keyUpload(long bytes) {
        keyUploads.incrementAndGet();
        keyUploadBytes.addAndGet(bytes);
    }

    /** Registers a gauge read at every scrape. */
    public void gauge(String name, LongSupplier value) {
        gauges.put(name, value);
    }

    /** The number of requests counted with this outcome. */
    public long requests(String outcome) {
        AtomicLong c = requests.get(outcome);
        return c == null ? 0 : c.get();
    }

    /** The metrics in Prometheus text format 0.0.4. */
    public String prometheus() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP hecnn_requests_total Evaluate calls by outcome.\n# TYPE hecnn_requests_total counter\n");
        requests.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> sb.append(String.format(Locale.ROOT,
                "hecnn_requests_total{outcome=\"%s\"} %d%n", e.getKey(), e.getValue().get())));
        sb.append("# HELP hecnn_evaluation_seconds Evaluation latency, queueing excluded.\n")
                .append("# TYPE hecnn_evaluation_seconds histogram\n");
        long cumulative = 0;
        for (int b = 0; b <= BUCKETS.length; b++) {
            cumulative += bucketCounts.get(b);
            sb.append(String.format(Locale.ROOT, "hecnn_evaluation_seconds_bucket{le=\"%s\"} %d%n",
                    b < BUCKETS.length ? Double.toString(BUCKETS[b]) : "+Inf", cumulative));
        }
        sb.append(String.format(Locale.ROOT, "hecnn_evaluation_seconds_sum %.6f%nhecnn_evaluation_seconds_count %d%n",
                latencyMicros.get() / 1e6, cumulative));
        sb.append("# HELP hecnn_key_uploads_total Completed key uploads.\n# TYPE hecnn_key_uploads_total counter\n")
                .append("hecnn_key_uploads_total ").append(keyUploads.get()).append('\n');
        sb.append("# HELP hecnn_key_upload_bytes_total Bytes of completed key uploads.\n")
                .append("# TYPE hecnn_key_upload_bytes_total counter\n")
                .append("hecnn_key_upload_bytes_total ").append(keyUploadBytes.get()).append('\n');
        gauges.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> sb.append("# TYPE ")
                .append(e.getKey()).append(" gauge\n").append(e.getKey()).append(' ')
                .append(e.getValue().getAsLong()).append('\n'));
        return sb.toString();
    }
}
