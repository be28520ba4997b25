package org.hecnn.inference.service;

import org.hecnn.backend.host.HostEngine;
import org.hecnn.inference.EncryptedNetwork;

/**
 * What evaluating one client's requests is planned to hold live in a CPU engine's heap, before anything runs: the
 * model's plaintexts as they are kept, the engine's recycled limbs, one client's evaluation keys as the engine keeps
 * them and one evaluation's working set; and the heap that keeps that live data at most {@value #OCCUPANCY_PERCENT}%
 * full (the share the serving budget also uses: above it the G1 collector fails evacuations). Immutable.
 *
 * @param plaintextBytes  {@link EncryptedNetwork#plaintextBytes()}
 * @param limbPoolBytes   {@link HostEngine#limbPoolBytes()}
 * @param keyBytes        {@link KeyFootprint#engineBytes()}
 * @param workingSetBytes {@link EncryptedNetwork#workingSetBytes()}
 */
public record MemoryPlan(long plaintextBytes, long limbPoolBytes, long keyBytes, long workingSetBytes) {
    /** The share of the heap live data may fill. */
    public static final int OCCUPANCY_PERCENT = 80;

    /** The plan of {@code network} with one client's keys. */
    public static MemoryPlan of(EncryptedNetwork network) {
        return new MemoryPlan(network.plaintextBytes(), HostEngine.limbPoolBytes(),
                KeyFootprint.of(network).engineBytes(), network.workingSetBytes());
    }

    /** Everything above together. */
    public long liveBytes() {
        return plaintextBytes + limbPoolBytes + keyBytes + workingSetBytes;
    }

    /** The heap the live data needs at {@value #OCCUPANCY_PERCENT}% occupancy. */
    public long heapBytes() {
        return liveBytes() / OCCUPANCY_PERCENT * 100;
    }

    /** The parts for people: "plaintexts 2.2 GiB, recycled limbs 0.5 GiB, one client's keys 6.0 GiB, ...". */
    public String parts() {
        return String.format(java.util.Locale.ROOT, "plaintexts %.1f GiB, recycled limbs %.1f GiB, one client's keys "
                + "%.1f GiB, one evaluation %.1f GiB", gib(plaintextBytes), gib(limbPoolBytes), gib(keyBytes),
                gib(workingSetBytes));
    }

    /** Bytes in GiB. */
    public static double gib(long bytes) {
        return bytes / (double) (1L << 30);
    }

    /** The whole GiB of heap to ask for: {@link #heapBytes()} rounded up (HECNN_HEAP=...g). */
    public long heapGiB() {
        return (long) Math.ceil(gib(heapBytes()));
    }
}
