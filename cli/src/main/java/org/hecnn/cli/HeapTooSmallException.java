package org.hecnn.cli;

import org.hecnn.HecnnException;
import org.hecnn.inference.service.MemoryPlan;

/**
 * The network's planned live memory ({@link MemoryPlan}) does not fit this JVM's heap: refused before the keys are
 * made, instead of an out-of-memory error minutes later. Exit status {@link Hecnn#OUT_OF_MEMORY}.
 */
final class HeapTooSmallException extends HecnnException {
    HeapTooSmallException(String model, MemoryPlan memory, long heapBytes) {
        super(String.format(java.util.Locale.ROOT, "out of memory: %s needs %.1f GiB live in the Java heap (%s; "
                + "`hecnn plan` shows it), but this JVM's heap is %.1f GiB: run with HECNN_HEAP=%dg (%.1f GiB keeps "
                + "it %d%% full), or with --tower-reuse for smaller keys", model, MemoryPlan.gib(memory.liveBytes()),
                memory.parts(), MemoryPlan.gib(heapBytes), memory.heapGiB(), MemoryPlan.gib(memory.heapBytes()),
                MemoryPlan.OCCUPANCY_PERCENT));
    }

    /** Refuses {@code network} when its planned live memory exceeds this JVM's maximum heap. */
    static void requireFits(org.hecnn.inference.EncryptedNetwork network) {
        MemoryPlan memory = MemoryPlan.of(network);
        long heap = Runtime.getRuntime().maxMemory();
        if (memory.liveBytes() > heap) {
            throw new HeapTooSmallException(network.name(), memory, heap);
        }
    }
}
