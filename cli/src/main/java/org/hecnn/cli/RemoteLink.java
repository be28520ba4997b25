package org.hecnn.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.serving.client.RemoteInference;

/**
 * A `hecnn serve` service as the client sees it ({@link RemoteInference}): the keys are uploaded, each request
 * encrypted, sent and decrypted within one round trip, which is all this side measures.
 */
final class RemoteLink implements ServiceLink {
    private final RemoteInference remote;
    private final Duration deadline;
    private Timing last;

    RemoteLink(RemoteInference remote, Duration deadline) {
        this.remote = remote;
        this.deadline = deadline;
    }

    @Override
    public ServiceDescription description() {
        return remote.description();
    }

    @Override
    public String model() {
        return remote.model();
    }

    @Override
    public boolean remote() {
        return true;
    }

    @Override
    public long openSession() {
        return remote.openSession();
    }

    /** {@code trace} must be null: a server sends no layer outputs. */
    @Override
    public double[][] infer(double[][] images, LayerProgress progress, LayerValues trace) {
        if (trace != null) {
            throw new IllegalArgumentException("a remote service sends no layer outputs to trace");
        }
        long t0 = System.nanoTime();
        double[][] out = remote.infer(images, deadline);
        last = new Timing(Double.NaN, (System.nanoTime() - t0) / 1e9, Double.NaN, -1, -1, null);
        return out;
    }

    @Override
    public List<double[][]> inferTogether(List<double[][]> requests) {
        long t0 = System.nanoTime();
        List<double[][]> out = new ArrayList<>();
        for (double[][] r : requests) {
            out.add(remote.infer(r, deadline));
        }
        last = new Timing(Double.NaN, (System.nanoTime() - t0) / 1e9, Double.NaN, -1, -1, null);
        return out;
    }

    @Override
    public Timing last() {
        return last;
    }

    @Override
    public void close() {
        remote.close();
    }
}
