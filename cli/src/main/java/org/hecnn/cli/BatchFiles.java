package org.hecnn.cli;

import java.util.HexFormat;
import java.util.regex.Pattern;
import org.hecnn.inference.service.KeyFingerprint;

/**
 * The files of a batch of encrypted requests, between {@code hecnn requests encrypt} (the client), the Spark batch job
 * (module spark) and {@code hecnn requests decrypt} (the client again). Every file is in the project's own formats.
 *
 * <p>The batch directory the client ships to the cluster (nothing secret in it):
 * <pre>
 * service.desc                      the service description the requests were made for (hecnn describe)
 * keys/SESSION.hks                  one session's evaluation keys (a key upload, "HKS1")
 * requests/SESSION/ID.hct           one request ("HCT2"), made under that session's keys
 * </pre>
 * SESSION is the hex SHA-256 fingerprint of the client's key set ({@link KeyFingerprint}); ID is a request id, unique
 * within its session. The job's output directory:
 * <pre>
 * responses/SESSION/ID.hct          the response to requests/SESSION/ID.hct, exactly one per request answered
 * errors/SESSION/ID.txt             why a request has no response (a typed error naming the file)
 * summary.json                      counts, timings and per-executor memory of the run
 * </pre>
 * The client's directory (never shipped): {@code secret.key} (the secret key in the clear, permissions 600),
 * {@code service.desc} and {@code requests.tsv} (which images each request holds, and their labels).
 */
public final class BatchFiles {
    private BatchFiles() {
    }

    public static final String DESCRIPTION = "service.desc";
    public static final String KEYS = "keys";
    public static final String REQUESTS = "requests";
    public static final String RESPONSES = "responses";
    public static final String ERRORS = "errors";
    public static final String SUMMARY = "summary.json";
    public static final String KEY_SUFFIX = ".hks";
    public static final String MESSAGE_SUFFIX = ".hct";
    public static final String ERROR_SUFFIX = ".txt";
    /** The client directory's secret key file. */
    public static final String SECRET_KEY = "secret.key";
    /** The client directory's index of requests. */
    public static final String INDEX = "requests.tsv";

    private static final Pattern SESSION = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,100}");

    /** The session name of a key set: its full fingerprint in hex. */
    public static String session(KeyFingerprint fingerprint) {
        return HexFormat.of().formatHex(fingerprint.bytes());
    }

    /** Whether {@code name} is a session name (64 lower-case hex digits). */
    public static boolean isSession(String name) {
        return SESSION.matcher(name).matches();
    }

    /** Whether {@code id} is a request id (letters, digits, '-' and '_'; at most 100). */
    public static boolean isRequestId(String id) {
        return ID.matcher(id).matches();
    }

    /** keys/SESSION.hks */
    public static String keyFile(String session) {
        return KEYS + "/" + session + KEY_SUFFIX;
    }

    /** requests/SESSION/ID.hct */
    public static String requestFile(String session, String id) {
        return REQUESTS + "/" + session + "/" + id + MESSAGE_SUFFIX;
    }

    /** responses/SESSION/ID.hct */
    public static String responseFile(String session, String id) {
        return RESPONSES + "/" + session + "/" + id + MESSAGE_SUFFIX;
    }

    /** errors/SESSION/ID.txt */
    public static String errorFile(String session, String id) {
        return ERRORS + "/" + session + "/" + id + ERROR_SUFFIX;
    }
}
