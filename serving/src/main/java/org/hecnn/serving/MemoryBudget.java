package org.hecnn.serving;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import org.hecnn.HecnnException;
import org.hecnn.backend.host.HostEngine;
import org.hecnn.inference.service.InferenceServer;

/**
 * How much of the heap a server can give to its sessions' evaluation keys: the heap the collector can keep running
 * in ({@value #OCCUPANCY_PERCENT}% of the maximum; a fuller heap makes the G1 collector fail evacuations and spin, measured
 * on ResNet-20), less what the model holds after compilation (measured), less one planned working set per
 * concurrent evaluation ({@link org.hecnn.inference.EncryptedNetwork#workingSetBytes()}). Immutable.
 *
 * @param heapBytes       the JVM's maximum heap
 * @param modelBytes      heap in use after a full collection once the network is compiled (its plaintexts, the engine),
 *                        plus the engine's limb pool
 * @param workingSetBytes one evaluation's planned working set
 * @param workers         evaluations running at once
 */
public record MemoryBudget(long heapBytes, long modelBytes, long workingSetBytes, int workers) {
    /** The share of the heap live data may fill (the same as the memory plan's). */
    public static final int OCCUPANCY_PERCENT = org.hecnn.inference.service.MemoryPlan.OCCUPANCY_PERCENT;

    /**
     * Measures the model's share of the heap now (one full collection) for a server's network, plus the recycled
     * limbs a CPU engine keeps once it has evaluated ({@link HostEngine#limbPoolBytes()}: 0.5 GiB by default, retained
     * after the first request; measured on ResNet-20 as 593 MB of {@code long[]} left after a session closed).
     */
    public static MemoryBudget measure(InferenceServer server, int workers) {
        System.gc();
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return new MemoryBudget(Runtime.getRuntime().maxMemory(), used + HostEngine.limbPoolBytes(),
                server.workingSetBytes(), workers);
    }

    /** Bytes of evaluation keys all sessions may hold together; negative when the model alone does not fit. */
    public long keyMemoryBytes() {
        return heapBytes / 100 * OCCUPANCY_PERCENT - modelBytes - workers * workingSetBytes;
    }

    /** The smallest heap that holds the model, the working sets and {@code sessions} sessions of {@code keyBytes}. */
    public long heapNeeded(int sessions, long keyBytes) {
        return (modelBytes + workers * workingSetBytes + sessions * keyBytes) / OCCUPANCY_PERCENT * 100;
    }

    /**
     * Checks that at least one session of {@code keyBytes} fits.
     *
     * @throws HecnnException naming the heap the server needs and how to give it
     */
    public void requireOneSession(String model, long keyBytes) {
        if (keyMemoryBytes() >= keyBytes) {
            return;
        }
        long needed = heapNeeded(1, keyBytes);
        throw new HecnnException(String.format(Locale.ROOT, "serving %s needs a heap of at least %.1f GiB for one "
                + "session (the model holds %s, an evaluation %s per worker x %d, one client's keys %s, with %d%% of "
                + "the heap live at most), but this JVM's heap is %.1f GiB: start it with HECNN_HEAP=%dg (or java "
                + "-Xmx%dg)%s", model, gib(needed), size(modelBytes), size(workingSetBytes), workers, size(keyBytes),
                OCCUPANCY_PERCENT, gib(heapBytes), (long) Math.ceil(gib(needed)), (long) Math.ceil(gib(needed)),
                workers > 1 ? ", or serve with fewer --workers" : ""));
    }

    private static String size(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", gib(bytes))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static double gib(long bytes) {
        return bytes / (double) (1L << 30);
    }
}
