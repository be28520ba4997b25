package org.hecnn.spark;

import org.hecnn.HecnnException;

/**
 * A request or key file of the batch that the job cannot evaluate, named: it is recorded under errors/ and the rest
 * of the job goes on (unless --fail-fast). Transient failures (an unreachable file system, a lost executor) are not
 * this: they fail the task, which Spark retries.
 */
public final class BatchInputException extends HecnnException {
    /** What is wrong with the file. */
    public enum Kind {
        /** A request file that is not a request of this service: not a hecnn message, truncated, corrupt. */
        CORRUPT_REQUEST,
        /** A request made under another key set than its session's (it sits in another session's folder). */
        FOREIGN_KEY,
        /** A request or key set made for other CKKS parameters than the service's. */
        OTHER_PARAMETERS,
        /** A session's key file that is not a key upload of this service: corrupt or truncated. */
        CORRUPT_KEYS,
        /** A session without its key file. */
        MISSING_KEYS,
        /** A request the network refuses for another reason (wrong ciphertext count, level or scale). */
        INVALID_REQUEST
    }

    private final Kind kind;
    private final String file;
    private final String detail;

    /** An error in {@code file}: the message is "FILE: DETAIL". */
    public BatchInputException(Kind kind, String file, String detail, Throwable cause) {
        super(file + ": " + detail, cause);
        this.kind = kind;
        this.file = file;
        this.detail = detail;
    }

    /** What is wrong, without the file's name. */
    public String detail() {
        return detail;
    }

    public Kind kind() {
        return kind;
    }

    /** The file at fault (a request file or a key file). */
    public String file() {
        return file;
    }
}
