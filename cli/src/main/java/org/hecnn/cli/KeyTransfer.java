package org.hecnn.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hecnn.HecnnException;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;

/**
 * Hands a client's evaluation keys to the server the way two processes would: serialised to a file (key sets at
 * N = 2^16 exceed what one array holds), then read back by the server.
 */
final class KeyTransfer {
    /** The opened session and how many bytes the keys took. */
    record Opened(InferenceServer.Session session, long keyBytes) {
    }

    private KeyTransfer() {
    }

    static Opened open(InferenceClient client, InferenceServer server) {
        Path file = null;
        try {
            file = Files.createTempFile("hecnn-keys", ".bin");
            try (var out = new BufferedOutputStream(Files.newOutputStream(file))) {
                client.writeEvaluationKeys(out);
            }
            long bytes = Files.size(file);
            try (var in = new BufferedInputStream(Files.newInputStream(file))) {
                return new Opened(server.open(in, bytes), bytes);
            }
        } catch (IOException e) {
            throw new HecnnException("cannot pass the evaluation keys through " + file + ": " + e.getMessage(), e);
        } finally {
            if (file != null) {
                file.toFile().delete();
            }
        }
    }
}
