package org.hecnn.kernels.engine;

import java.lang.ref.Cleaner;

/**
 * Base of the engine's handles: owns one pooled device buffer, returned to the pool on {@link #close()} or,
 * failing that, when the handle becomes unreachable.
 */
abstract class Resident implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    /** The cleaning action; must not refer to the handle. */
    private static final class Memory implements Runnable {
        private final BufferPool pool;
        private GpuBuffer buffer;

        Memory(BufferPool pool, GpuBuffer buffer) {
            this.pool = pool;
            this.buffer = buffer;
        }

        @Override
        public void run() {
            GpuBuffer b;
            synchronized (this) {
                b = buffer;
                buffer = null;
            }
            if (b != null) {
                pool.release(b);
            }
        }
    }

    final GpuEngine engine;
    private final GpuBuffer buffer;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean closed;

    Resident(GpuEngine engine, GpuBuffer buffer) {
        this.engine = engine;
        this.buffer = buffer;
        this.cleanable = CLEANER.register(this, new Memory(engine.pool(), buffer));
    }

    GpuBuffer buffer() {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        }
        return buffer;
    }

    @Override
    public void close() {
        closed = true;
        cleanable.clean();
    }
}
