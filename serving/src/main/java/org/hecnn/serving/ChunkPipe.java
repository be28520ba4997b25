package org.hecnn.serving;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An input stream fed chunk by chunk from another thread (a streamed gRPC upload): the producer offers chunks and
 * then {@link #finish()} or {@link #fail}; the consumer reads them in order. It holds at most {@code capacity} chunks,
 * and tells the producer (through {@code onConsumed}) each time one is taken, so a flow-controlled upload never piles
 * up in memory. A reader that waits longer than the stall timeout for the next chunk fails instead of hanging.
 * One producer and one consumer thread.
 */
final class ChunkPipe extends InputStream {
    private static final byte[] END = new byte[0];

    private final BlockingQueue<byte[]> chunks;
    private final Runnable onConsumed;
    private final long stallMillis;
    private volatile String failure;
    private byte[] current = new byte[0];
    private int position;
    private boolean ended;

    ChunkPipe(int capacity, Runnable onConsumed, long stallMillis) {
        this.chunks = new ArrayBlockingQueue<>(capacity + 1);
        this.onConsumed = onConsumed;
        this.stallMillis = stallMillis;
    }

    /** Adds a chunk; false if the pipe is full (the producer asked for more than it may send). */
    boolean offer(byte[] chunk) {
        return chunk.length == 0 || chunks.offer(chunk);
    }

    /** No more chunks. */
    void finish() {
        chunks.offer(END);
    }

    /** The upload broke off: the reader gets an IOException with this reason. */
    void fail(String reason) {
        failure = reason;
        chunks.clear();
        chunks.offer(END);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (position == current.length) {
            if (ended) {
                return -1;
            }
            byte[] next;
            try {
                next = chunks.poll(stallMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the key upload", e);
            }
            if (failure != null) {
                throw new IOException(failure);
            }
            if (next == null) {
                throw new IOException("the key upload stalled: no data for " + stallMillis / 1000 + " s");
            }
            if (next == END) {
                ended = true;
                return -1;
            }
            current = next;
            position = 0;
            onConsumed.run();
        }
        int n = Math.min(len, current.length - position);
        System.arraycopy(current, position, b, off, n);
        position += n;
        return n;
    }
}
