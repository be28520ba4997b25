package org.hecnn.backend.host;

import java.util.function.IntConsumer;

/** Runs independent per-limb tasks, sequentially or on a thread pool. */
public interface LimbExecutor {
    /** Calls body for 0..count-1 and returns when all are done. */
    void forEach(int count, IntConsumer body);

    /** Runs on the calling thread. */
    LimbExecutor SEQUENTIAL = (count, body) -> {
        for (int i = 0; i < count; i++) {
            body.accept(i);
        }
    };
}
