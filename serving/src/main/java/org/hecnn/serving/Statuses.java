package org.hecnn.serving;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.hecnn.HecnnException;
import org.hecnn.ckks.MissingKeyException;
import org.hecnn.inference.service.ForeignKeyException;

/**
 * Maps hecnn's typed errors to gRPC statuses whose description is the error's message (what was wrong and what to
 * do), and back on the client. Overload carries its retry hint in the {@code retry-after-ms} trailer. Stateless.
 */
public final class Statuses {
    /** Trailer with the server's retry hint on RESOURCE_EXHAUSTED, in milliseconds. */
    public static final Metadata.Key<String> RETRY_AFTER_MS = Metadata.Key.of("retry-after-ms",
            Metadata.ASCII_STRING_MARSHALLER);

    private Statuses() {
    }

    /** The status a server sends for this failure. */
    static StatusRuntimeException of(Throwable e) {
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        if (e instanceof OverloadedException o) {
            Metadata trailers = new Metadata();
            trailers.put(RETRY_AFTER_MS, Long.toString(o.retryAfter().toMillis()));
            return Status.RESOURCE_EXHAUSTED.withDescription(o.getMessage()).asRuntimeException(trailers);
        }
        if (e instanceof OutOfMemoryError) {
            return Status.RESOURCE_EXHAUSTED.withDescription("the server ran out of memory for this request; retry "
                    + "later or ask its operator to lower --max-sessions").asRuntimeException();
        }
        Status code;
        if (e instanceof SessionExpiredException) {
            code = Status.NOT_FOUND;
        } else if (e instanceof ForeignKeyException) {
            code = Status.PERMISSION_DENIED;
        } else if (e instanceof ShuttingDownException) {
            code = Status.UNAVAILABLE;
        } else if (e instanceof MissingKeyException) {
            code = Status.FAILED_PRECONDITION;
        } else if (e instanceof HecnnException) {
            code = Status.INVALID_ARGUMENT;
        } else {
            return Status.INTERNAL.withDescription("internal server error (" + e.getClass().getSimpleName()
                    + "); the server log has the details").asRuntimeException();
        }
        return code.withDescription(e.getMessage()).asRuntimeException();
    }

    /** The typed error a client raises for a status the server sent (or the channel produced). */
    public static RuntimeException toException(io.grpc.StatusRuntimeException e, String during) {
        Status s = e.getStatus();
        String what = s.getDescription() == null ? s.getCode().toString() : s.getDescription();
        return switch (s.getCode()) {
            case RESOURCE_EXHAUSTED -> {
                Metadata trailers = io.grpc.Status.trailersFromThrowable(e);
                String ms = trailers == null ? null : trailers.get(RETRY_AFTER_MS);
                long retry = 1000;
                try {
                    retry = ms == null ? retry : Long.parseLong(ms);
                } catch (NumberFormatException ignored) {
                    // a malformed hint keeps the default
                }
                yield new OverloadedException(during + ": " + what.replaceFirst("; retry in \\d+ s$", ""),
                        java.time.Duration.ofMillis(retry));
            }
            case NOT_FOUND -> new SessionExpiredException(what);
            case PERMISSION_DENIED -> new ForeignKeyException(what);
            case UNAVAILABLE -> new ServiceUnavailableException(during + ": the server is unavailable (" + what
                    + "); retry when it is back", e);
            case DEADLINE_EXCEEDED -> new RemoteFailureException(s.getCode(), during + ": no answer within the "
                    + "deadline; raise --deadline or retry when the server is less busy", e);
            default -> new RemoteFailureException(s.getCode(), during + ": " + what, e);
        };
    }

    /** The metrics label of a refusal or failure. */
    static String outcome(Status.Code code) {
        return switch (code) {
            case RESOURCE_EXHAUSTED -> "overloaded";
            case NOT_FOUND -> "expired";
            case PERMISSION_DENIED -> "refused";
            case INVALID_ARGUMENT, FAILED_PRECONDITION -> "malformed";
            case UNAVAILABLE -> "unavailable";
            case DEADLINE_EXCEEDED -> "deadline";
            case CANCELLED -> "cancelled";
            default -> "error";
        };
    }
}
