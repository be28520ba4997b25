package org.hecnn.spark;

import java.io.Serializable;

/**
 * What became of one request in the task attempt that succeeded, with what the executor that ran it had measured by
 * then.
 *
 * @param status         {@link #EVALUATED}, {@link #ANSWERED_BEFORE} (its response existed: an earlier run or attempt
 *                       wrote it) or {@link #FAILED}
 * @param kind           the error's kind when failed, else null
 * @param message        the error when failed, else null
 * @param seconds        evaluation time (a group evaluated together shares it evenly)
 * @param executor       Spark's executor id
 * @param compilations   networks compiled by that executor's JVM so far
 * @param compileSeconds their compile time
 * @param keyLoads       key files that executor has read so far
 * @param heapUsedBytes  heap in use on that executor when the request was done
 * @param peakRssBytes   peak resident memory of that executor's process so far (Linux; 0 elsewhere)
 */
record Outcome(String session, String id, String status, String kind, String message, double seconds,
               String executor, int compilations, double compileSeconds, int keyLoads, long heapUsedBytes,
               long peakRssBytes) implements Serializable {
    static final String EVALUATED = "evaluated";
    static final String ANSWERED_BEFORE = "answered before";
    static final String FAILED = "failed";
}
