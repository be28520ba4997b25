package org.hecnn.cli;

import org.hecnn.HecnnException;
import org.hecnn.inference.service.MemoryPlan;

/**
 * The network's planned live memory ({@link MemoryPlan}) does not fit this JVM's heap: refused before the keys are
 * made, instead of an out-of-memory error minutes later. Exit status {@link Hecnn#OUT_OF_MEMORY}.
 */
final class HeapTooSmallException extends HecnnException {
    HeapTooSmallException(String model, MemoryPlan memory, long heapBytes) {
        super(String.format(java.util.Locale.ROOT, "out of memory: %s needs %.1f GiB live in the Java heap (plaintexts "
                + "%.1f GiB, recycled limbs %.1f GiB, the keys %.1f GiB, one evaluation %.1f GiB; `hecnn plan` shows "
                + "it), but this JVM's heap is %.1f GiB: run with HECNN_HEAP=%dg (%.1f GiB keeps it %d%% full), or "
                + "with --tower-reuse for smaller keys", model, gib(memory.liveBytes()), gib(memory.plaintextBytes()),
                gib(memory.limbPoolBytes()), gib(memory.keyBytes()), gib(memory.workingSetBytes()), gib(heapBytes),
                (long) Math.ceil(gib(memory.heapBytes())), gib(memory.heapBytes()), MemoryPlan.OCCUPANCY_PERCENT));
    }

    /** Refuses {@code network} when its planned live memory exceeds this JVM's maximum heap. */
    static void requireFits(org.hecnn.inference.EncryptedNetwork network) {
        MemoryPlan memory = MemoryPlan.of(network);
        long heap = Runtime.getRuntime().maxMemory();
        if (memory.liveBytes() > heap) {
            throw new HeapTooSmallException(network.name(), memory, heap);
        }
    }

    private static double gib(long bytes) {
        return bytes / (double) (1L << 30);
    }
}
