package org.hecnn.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded in-memory byte stream from one writer thread to one reader thread: what the writer writes is copied
 * into chunks that wait in a queue of at most {@code capacity} chunks, so the writer runs at most that far ahead of
 * the reader and the bytes are never held whole. Either side can stop the other: {@link #fail} ends the reader's
 * stream with the writer's error, {@link #abandon} makes the writer's next write fail. One writer and one reader;
 * each stream is not thread-safe on its own.
 */
final class BytePipe {
    private static final byte[] END = new byte[0];
    private final BlockingQueue<byte[]> queue;
    private final int chunkBytes;
    private volatile Throwable writerFailure;
    private volatile boolean abandoned;

    BytePipe(int capacity, int chunkBytes) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.chunkBytes = chunkBytes;
    }

    /** Ends the reader's stream with {@code failure} (the writer gave up). */
    void fail(Throwable failure) {
        writerFailure = failure;
        try {
            put(END);
        } catch (IOException e) {
            // the reader gave up too: nobody waits for the end
        }
    }

    /** Makes the writer's next write fail and drops what is queued (the reader gave up). */
    void abandon() {
        abandoned = true;
        queue.clear();
    }

    /** The writer's end: close it to end the reader's stream. */
    OutputStream sink() {
        return new OutputStream() {
            private byte[] chunk = new byte[chunkBytes];
            private int used;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                while (len > 0) {
                    int n = Math.min(len, chunk.length - used);
                    System.arraycopy(b, off, chunk, used, n);
                    used += n;
                    off += n;
                    len -= n;
                    if (used == chunk.length) {
                        flushChunk();
                    }
                }
            }

            @Override
            public void close() throws IOException {
                if (used > 0) {
                    flushChunk();
                }
                put(END);
            }

            private void flushChunk() throws IOException {
                put(used == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, used));
                chunk = new byte[chunkBytes];
                used = 0;
            }
        };
    }

    private void put(byte[] chunk) throws IOException {
        try {
            while (!queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                if (abandoned) {
                    throw new IOException("the reader stopped reading");
                }
            }
            if (abandoned) {
                queue.clear();
                throw new IOException("the reader stopped reading");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing to the pipe");
        }
    }

    /** The reader's end: it ends where the writer closed its end, or throws the writer's failure. */
    InputStream source() {
        return new InputStream() {
            private byte[] chunk = new byte[0];
            private int pos;
            private boolean ended;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                while (pos == chunk.length) {
                    if (ended || !next()) {
                        return -1;
                    }
                }
                int n = Math.min(len, chunk.length - pos);
                System.arraycopy(chunk, pos, b, off, n);
                pos += n;
                return n;
            }

            private boolean next() throws IOException {
                byte[] taken;
                try {
                    taken = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading from the pipe");
                }
                if (taken == END) {
                    ended = true;
                    if (writerFailure != null) {
                        throw new IOException("the writer failed: " + writerFailure.getMessage(), writerFailure);
                    }
                    return false;
                }
                chunk = taken;
                pos = 0;
                return true;
            }
        };
    }
}
