package org.hecnn.serving;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.service.InferenceServer;
import org.hecnn.inference.service.KeyFootprint;
import org.hecnn.serving.proto.CloseSessionRequest;
import org.hecnn.serving.proto.CloseSessionResponse;
import org.hecnn.serving.proto.DescribeRequest;
import org.hecnn.serving.proto.EvaluateRequest;
import org.hecnn.serving.proto.EvaluateResponse;
import org.hecnn.serving.proto.InferenceGrpc;
import org.hecnn.serving.proto.KeyChunk;
import org.hecnn.serving.proto.ServiceInfo;
import org.hecnn.serving.proto.SessionOpened;

/**
 * The gRPC service over one compiled network: describes it, opens sessions from streamed key uploads (flow
 * controlled, limited, and freed if the client breaks off), and evaluates requests on a bounded pool with a bounded
 * queue (overload is refused with RESOURCE_EXHAUSTED and a retry hint, never queued without bound). Requests honour
 * their deadline and cancellation while they wait. Every refusal is a gRPC status whose description says what was
 * wrong and what to do ({@link Statuses}). Thread-safe: gRPC calls it from many threads.
 */
final class InferenceService extends InferenceGrpc.InferenceImplBase {
    private static final Logger LOG = Logger.getLogger(InferenceService.class.getName());
    /** Chunks an upload may have in flight (each at most {@link #MAX_CHUNK_BYTES}). */
    private static final int UPLOAD_WINDOW = 4;
    static final int MAX_CHUNK_BYTES = 4 << 20;

    private final InferenceServer server;
    private final ServingLimits limits;
    private final SessionRegistry sessions;
    private final ThreadPoolExecutor evaluations;
    private final ExecutorService uploads;
    private final ServingMetrics metrics;
    private final KeyFootprint keys;
    private final long maxKeyUpload;
    private final long maxRequestBytes;
    private final boolean insecure;
    private volatile boolean accepting = true;

    InferenceService(InferenceServer server, ServingLimits limits, SessionRegistry sessions,
                     ThreadPoolExecutor evaluations, ExecutorService uploads, ServingMetrics metrics,
                     long maxRequestBytes, boolean insecure) {
        this.server = server;
        this.limits = limits;
        this.sessions = sessions;
        this.evaluations = evaluations;
        this.uploads = uploads;
        this.metrics = metrics;
        this.keys = server.keyFootprint();
        this.maxKeyUpload = limits.maxKeyUploadBytes() > 0 ? Math.min(limits.maxKeyUploadBytes(), keys.maxUploadBytes())
                : keys.maxUploadBytes();
        this.maxRequestBytes = maxRequestBytes;
        this.insecure = insecure;
    }

    /** Refuses new sessions and requests from now on (a shutdown has begun). */
    void stopAccepting() {
        accepting = false;
    }

    @Override
    public void describe(DescribeRequest request, StreamObserver<ServiceInfo> out) {
        out.onNext(ServiceInfo.newBuilder().setDescription(ByteString.copyFrom(server.description().toBytes()))
                .setModel(server.modelName()).setMaxKeyBytes(maxKeyUpload).setMaxRequestBytes(maxRequestBytes)
                .setMaxSessions(limits.maxSessions()).setSessionIdleSeconds(limits.sessionIdle().toSeconds())
                .setInsecureTestParameters(insecure).build());
        out.onCompleted();
    }

    @Override
    public StreamObserver<KeyChunk> openSession(StreamObserver<SessionOpened> out) {
        ServerCallStreamObserver<SessionOpened> call = (ServerCallStreamObserver<SessionOpened>) out;
        call.disableAutoRequest();
        long reserve = keys.engineBytes();
        try {
            if (!accepting) {
                throw new ShuttingDownException();
            }
            sessions.reserve(reserve);
        } catch (RuntimeException e) {
            call.onError(Statuses.of(e));
            return new Ignore();
        }
        ChunkPipe pipe = new ChunkPipe(UPLOAD_WINDOW, () -> call.request(1), Duration.ofMinutes(2).toMillis());
        KeyUpload upload = new KeyUpload(pipe, call, reserve);
        try {
            uploads.execute(upload);
        } catch (RejectedExecutionException e) {
            sessions.release(reserve);
            call.onError(Status.UNAVAILABLE.withDescription("the server is shutting down; upload keys to it again "
                    + "after it restarts").asRuntimeException());
            return new Ignore();
        }
        call.request(UPLOAD_WINDOW);
        return new StreamObserver<>() {
            private long received;

            @Override
            public void onNext(KeyChunk chunk) {
                received += chunk.getData().size();
                if (chunk.getData().size() > MAX_CHUNK_BYTES || received > maxKeyUpload) {
                    pipe.fail("key upload refused: " + received + " bytes exceed the " + maxKeyUpload
                            + " this service's keys can take (chunks of at most " + MAX_CHUNK_BYTES + ")");
                } else if (!pipe.offer(chunk.getData().toByteArray())) {
                    pipe.fail("key upload refused: the client sent more chunks than it was asked for");
                }
            }

            @Override
            public void onError(Throwable t) {
                pipe.fail("the client broke off the key upload (" + Status.fromThrowable(t).getCode() + ")");
            }

            @Override
            public void onCompleted() {
                pipe.finish();
            }
        };
    }

    /** Reads one streamed key upload on an upload thread and turns it into a session, or frees everything. */
    private final class KeyUpload implements Runnable {
        private final ChunkPipe pipe;
        private final ServerCallStreamObserver<SessionOpened> call;
        private final long reserved;

        KeyUpload(ChunkPipe pipe, ServerCallStreamObserver<SessionOpened> call, long reserved) {
            this.pipe = pipe;
            this.call = call;
            this.reserved = reserved;
        }

        @Override
        public void run() {
            CountingInput in = new CountingInput(pipe);
            InferenceServer.Session session;
            try {
                session = server.open(in, maxKeyUpload);
                if (in.read() != -1) {
                    session.close();
                    throw new org.hecnn.io.MalformedDataException("bytes after the last key of the upload");
                }
            } catch (Exception | OutOfMemoryError e) {
                sessions.release(reserved);
                if (!call.isCancelled()) {
                    call.onError(Statuses.of(e instanceof java.io.IOException io
                            ? new org.hecnn.io.MalformedDataException(io.getMessage()) : e));
                }
                return;
            }
            SessionRegistry.Entry entry = sessions.add(session, keys.engineBytes(), reserved, System.nanoTime());
            metrics.keyUpload(in.count());
            if (call.isCancelled()) {
                sessions.remove(entry.id);
                return;
            }
            call.onNext(SessionOpened.newBuilder().setSessionId(entry.id)
                    .setKeyFingerprint(ByteString.copyFrom(session.fingerprint().bytes())).setKeyBytes(in.count()).build());
            call.onCompleted();
        }
    }

    @Override
    public void evaluate(EvaluateRequest request, StreamObserver<EvaluateResponse> out) {
        ServerCallStreamObserver<EvaluateResponse> call = (ServerCallStreamObserver<EvaluateResponse>) out;
        long accepted = System.nanoTime();
        SessionRegistry.Entry entry;
        try {
            if (!accepting) {
                throw new ShuttingDownException();
            }
            if (request.getRequest().size() > maxRequestBytes) {
                throw new org.hecnn.io.MalformedDataException("request of " + request.getRequest().size()
                        + " bytes exceeds the " + maxRequestBytes + " this service's requests take");
            }
            entry = sessions.get(request.getSessionId());
        } catch (RuntimeException e) {
            fail(call, e);
            return;
        }
        entry.begin(accepted);
        Context context = Context.current();
        Runnable task = () -> {
            try {
                if (context.isCancelled()) {
                    metrics.request(context.getDeadline() != null && context.getDeadline().isExpired()
                            ? "deadline" : "cancelled");
                    return; // the client gave up while the request waited: nothing is evaluated
                }
                long start = System.nanoTime();
                byte[] response = entry.session.evaluate(request.getRequest().toByteArray(), LayerProgress.NONE);
                double seconds = (System.nanoTime() - start) / 1e9;
                metrics.latency(seconds);
                metrics.request("ok");
                if (!call.isCancelled()) {
                    call.onNext(EvaluateResponse.newBuilder().setResponse(ByteString.copyFrom(response))
                            .setServerSeconds(seconds).setQueuedSeconds((start - accepted) / 1e9).build());
                    call.onCompleted();
                }
            } catch (Exception | OutOfMemoryError e) {
                fail(call, e);
            } finally {
                entry.end(System.nanoTime());
            }
        };
        try {
            evaluations.execute(new QueuedEvaluation(task, call));
        } catch (RejectedExecutionException e) {
            entry.end(System.nanoTime());
            fail(call, accepting ? new OverloadedException("the server is busy: " + evaluations.getQueue().size()
                    + " requests are waiting for " + limits.workers() + " worker(s)", retryHint())
                    : new ShuttingDownException());
        }
    }

    private void fail(ServerCallStreamObserver<?> call, Throwable e) {
        io.grpc.StatusRuntimeException status = Statuses.of(e);
        metrics.request(Statuses.outcome(status.getStatus().getCode()));
        if (status.getStatus().getCode() == Status.Code.INTERNAL) {
            LOG.log(Level.WARNING, "request failed", e);
        }
        if (!call.isCancelled()) {
            call.onError(status);
        }
    }

    /** The time the waiting requests need, from the mean latency so far (at least a second). */
    private Duration retryHint() {
        double mean = metrics.meanLatencySeconds();
        double waiting = evaluations.getQueue().size() + evaluations.getActiveCount();
        return Duration.ofMillis(Math.max(1000, Math.round(1000 * mean * waiting / limits.workers())));
    }

    @Override
    public void closeSession(CloseSessionRequest request, StreamObserver<CloseSessionResponse> out) {
        if (!sessions.remove(request.getSessionId())) {
            out.onError(Statuses.of(new SessionExpiredException("no session '" + request.getSessionId()
                    + "' to close (it expired or was closed already)")));
            return;
        }
        out.onNext(CloseSessionResponse.getDefaultInstance());
        out.onCompleted();
    }

    /** An accepted evaluation; when a shutdown drops it unrun, its client gets UNAVAILABLE. */
    static final class QueuedEvaluation implements Runnable {
        private final Runnable task;
        private final ServerCallStreamObserver<?> call;

        QueuedEvaluation(Runnable task, ServerCallStreamObserver<?> call) {
            this.task = task;
            this.call = call;
        }

        @Override
        public void run() {
            task.run();
        }

        /** Tells the client its accepted request was dropped by a shutdown before it ran. */
        void dropped() {
            if (!call.isCancelled()) {
                call.onError(Statuses.of(new ShuttingDownException()));
            }
        }
    }

    /** Discards the rest of a refused upload. */
    private static final class Ignore implements StreamObserver<KeyChunk> {
        @Override
        public void onNext(KeyChunk value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }

    /** Counts the bytes read from an upload. */
    private static final class CountingInput extends java.io.FilterInputStream {
        private long count;

        CountingInput(java.io.InputStream in) {
            super(in);
        }

        @Override
        public int read() throws java.io.IOException {
            int b = super.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws java.io.IOException {
            int n = super.read(b, off, len);
            count += Math.max(0, n);
            return n;
        }

        long count() {
            return count;
        }
    }
}
