package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The in-memory pipe that carries a key upload between the client and server threads of one process. */
class BytePipeTest {
    @Test
    void bytesArriveIntactThroughASmallBoundedQueue() throws Exception {
        byte[] data = new byte[1_000_003];
        new SplittableRandom(5).nextBytes(data);
        BytePipe pipe = new BytePipe(2, 4096);
        Thread writer = Thread.ofPlatform().start(() -> {
            try (OutputStream out = pipe.sink()) {
                int at = 0;
                SplittableRandom sizes = new SplittableRandom(9);
                while (at < data.length) {
                    int n = Math.min(data.length - at, sizes.nextInt(1, 20_000));
                    out.write(data, at, n);
                    at += n;
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] got = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> pipe.source().readAllBytes());
        writer.join();
        assertArrayEquals(data, got);
    }

    @Test
    void theWritersFailureEndsTheReadersStream() {
        BytePipe pipe = new BytePipe(4, 16);
        IllegalStateException cause = new IllegalStateException("key generation failed");
        Thread.ofPlatform().start(() -> {
            try {
                pipe.sink().write(new byte[40]);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            pipe.fail(cause);
        });
        InputStream in = pipe.source();
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(IOException.class, in::readAllBytes));
        assertSame(cause, e.getCause());
        assertTrue(e.getMessage().contains("key generation failed"), e.getMessage());
    }

    @Test
    void aReaderThatGivesUpReleasesABlockedWriter() throws Exception {
        BytePipe pipe = new BytePipe(1, 8);
        AtomicReference<Throwable> writerSaw = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().start(() -> {
            try (OutputStream out = pipe.sink()) {
                out.write(new byte[1000]); // far more than one 8-byte chunk in the queue
            } catch (IOException e) {
                writerSaw.set(e);
            }
        });
        assertEquals(8, pipe.source().readNBytes(8).length);
        pipe.abandon();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> writer.join());
        assertTrue(writerSaw.get() instanceof IOException, String.valueOf(writerSaw.get()));
    }
}
