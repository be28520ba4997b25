package org.hecnn.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.hecnn.HecnnException;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;

/**
 * Hands a client's evaluation keys to the server the way two processes would, as bytes only, streamed: the client
 * generates and serialises them on a thread of its own while the server parses each key and moves it to its engine,
 * through a bounded in-memory pipe (a ResNet's 1.8 GiB of keys never wait whole, and never touch the disk).
 */
final class KeyTransfer {
    /** Chunks of the pipe: 4 MiB each, at most 16 waiting (64 MiB). */
    private static final int CHUNK_BYTES = 4 << 20;
    private static final int CHUNKS_AHEAD = 16;

    /** The opened session and how many bytes the keys took. */
    record Opened(InferenceServer.Session session, long keyBytes) {
    }

    private KeyTransfer() {
    }

    static Opened open(InferenceClient client, InferenceServer server) {
        BytePipe pipe = new BytePipe(CHUNKS_AHEAD, CHUNK_BYTES);
        Throwable[] writerFailure = new Throwable[1];
        Thread writer = Thread.ofPlatform().name("hecnn-key-writer").daemon().start(() -> {
            try (OutputStream out = pipe.sink()) {
                client.writeEvaluationKeys(out);
            } catch (Throwable t) {
                writerFailure[0] = t;
                pipe.fail(t);
            }
        });
        long[] read = new long[1];
        InputStream counted = new FilterInputStream(pipe.source()) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                read[0] += Math.max(0, n);
                return n;
            }
        };
        InferenceServer.Session session = null;
        RuntimeException readerFailure = null;
        try {
            // The keys come from this process's own client: no upload limit beyond the engine's memory.
            session = server.open(counted, Long.MAX_VALUE);
        } catch (IOException e) {
            readerFailure = new HecnnException("cannot pass the evaluation keys to the server: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            readerFailure = e;
        }
        if (readerFailure != null) {
            pipe.abandon();
        }
        join(writer);
        if (writerFailure[0] != null) {
            if (session != null) {
                session.close();
            }
            if (writerFailure[0] instanceof Error e) {
                throw e;
            }
            throw writerFailure[0] instanceof RuntimeException r ? r
                    : new HecnnException("cannot generate the evaluation keys: " + writerFailure[0].getMessage(),
                            writerFailure[0]);
        }
        if (readerFailure != null) {
            throw readerFailure;
        }
        return new Opened(session, read[0]);
    }

    private static void join(Thread writer) {
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HecnnException("interrupted while the evaluation keys were being made", e);
        }
    }
}
