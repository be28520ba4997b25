package org.hecnn.cli;

import java.nio.file.Path;
import java.time.Duration;
import org.hecnn.backend.BackendProvider;
import org.hecnn.serving.client.RemoteInference;
import picocli.CommandLine.Option;

/** Options of the client of a remote service (`infer --server`, `eval --server`). */
final class RemoteOptions {
    @Option(names = "--server", description = "host:port of a `hecnn serve` service: this process only makes keys, "
            + "encrypts and decrypts; the model stays on the server")
    String server;

    @Option(names = "--tls-ca", description = "with --server: PEM certificate(s) to trust; the connection uses TLS")
    Path tlsCa;

    @Option(names = "--deadline", description = "with --server: seconds one request may take, queueing included "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "900")
    long deadlineSeconds;

    boolean remote() {
        return server != null;
    }

    Duration deadline() {
        if (deadlineSeconds < 1 || deadlineSeconds > 86_400) {
            throw new InvalidOptionException("--deadline must be between 1 and 86400 seconds (got " + deadlineSeconds
                    + ")");
        }
        return Duration.ofSeconds(deadlineSeconds);
    }

    /** A link to the service for a command's generic client code (see {@link ServiceLink}). */
    ServiceLink link(BackendProvider backend) {
        Duration d = deadline();
        return new RemoteLink(connect(backend), d);
    }

    /** Connects and reads the service description (secure parameters only). */
    private RemoteInference connect(BackendProvider backend) {
        if (tlsCa != null) {
            InputFile.require("--tls-ca", tlsCa, "");
        }
        return Phase.run("connecting to " + server, () -> RemoteInference.connect(server, tlsCa, false, backend));
    }
}
