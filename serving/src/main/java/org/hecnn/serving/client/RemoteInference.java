package org.hecnn.serving.client;

import com.google.protobuf.ByteString;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.hecnn.HecnnException;
import org.hecnn.backend.BackendProvider;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.serving.ServiceUnavailableException;
import org.hecnn.serving.Statuses;
import org.hecnn.serving.proto.CloseSessionRequest;
import org.hecnn.serving.proto.DescribeRequest;
import org.hecnn.serving.proto.EvaluateRequest;
import org.hecnn.serving.proto.EvaluateResponse;
import org.hecnn.serving.proto.InferenceGrpc;
import org.hecnn.serving.proto.KeyChunk;
import org.hecnn.serving.proto.ServiceInfo;
import org.hecnn.serving.proto.SessionOpened;

/**
 * The client of a remote hecnn service: it fetches the service description (never the model), keeps the secret key
 * in this process, uploads the evaluation keys once (streamed, flow controlled), then encrypts, sends and decrypts.
 * Errors arrive typed ({@link Statuses#toException}): overload with a retry hint, an expired session, foreign keys, an
 * unavailable server.
 *
 * <p>Thread safety: after {@link #openSession()}, {@link #infer} may be called from many threads at once (requests of
 * one session run concurrently on the server); {@link #openSession()} and {@link #close()} must not race with it.
 */
public final class RemoteInference implements AutoCloseable {
    private static final int CHUNK_BYTES = 1 << 20;

    private final ManagedChannel channel;
    private final ServiceInfo info;
    private final ServiceDescription description;
    private final InferenceClient client;
    private volatile String sessionId;

    private RemoteInference(ManagedChannel channel, ServiceInfo info, ServiceDescription description,
                            InferenceClient client) {
        this.channel = channel;
        this.info = info;
        this.description = description;
        this.client = client;
    }

    /**
     * Connects to {@code target} ("host:port") and reads the service description.
     *
     * @param trustedCertificates       PEM file of the CA (or self-signed certificate) to trust for TLS; null for
     *                                  plain text
     * @param allowInsecureForTestsOnly accept a service that runs the insecure test-only parameters
     * @throws ServiceUnavailableException if the server cannot be reached
     */
    public static RemoteInference connect(String target, Path trustedCertificates, boolean allowInsecureForTestsOnly,
                                          BackendProvider backend) {
        ChannelCredentials credentials;
        try {
            credentials = trustedCertificates == null ? InsecureChannelCredentials.create()
                    : TlsChannelCredentials.newBuilder().trustManager(trustedCertificates.toFile()).build();
        } catch (IOException e) {
            throw new HecnnException("cannot read the trusted certificates " + trustedCertificates + ": " + e.getMessage(), e);
        }
        ManagedChannel channel = Grpc.newChannelBuilder(target, credentials)
                .maxInboundMessageSize(Integer.MAX_VALUE).build();
        try {
            ServiceInfo info = InferenceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .describe(DescribeRequest.getDefaultInstance());
            ServiceDescription description = ServiceDescription.fromBytes(info.getDescription().toByteArray(),
                    allowInsecureForTestsOnly);
            return new RemoteInference(channel, info, description, new InferenceClient(description, backend));
        } catch (StatusRuntimeException e) {
            channel.shutdownNow();
            throw Statuses.toException(e, "connecting to " + target);
        } catch (RuntimeException e) {
            channel.shutdownNow();
            throw e;
        }
    }

    /** What the server published. */
    public ServiceDescription description() {
        return description;
    }

    /** The id of the open session (null before {@link #openSession()}). */
    public String sessionId() {
        return sessionId;
    }

    /** The model's name as the server reports it. */
    public String model() {
        return info.getModel();
    }

    /**
     * Generates the evaluation keys and uploads them as a stream, generating each key just before it is sent; returns
     * the bytes uploaded. A session opened before is replaced (and closed on the server).
     */
    public long openSession() {
        CompletableFuture<SessionOpened> opened = new CompletableFuture<>();
        Upload upload = new Upload(opened);
        InferenceGrpc.newStub(channel).openSession(upload);
        try {
            OutputStream keys = upload.stream();
            client.writeEvaluationKeys(keys);
            keys.flush();
            upload.complete();
            SessionOpened s = opened.get();
            if (!java.util.Arrays.equals(s.getKeyFingerprint().toByteArray(), client.fingerprint().bytes())) {
                throw new HecnnException("the server bound the session to another key set than the one uploaded");
            }
            String previous = sessionId;
            sessionId = s.getSessionId();
            if (previous != null) {
                closeQuietly(previous);
            }
            return s.getKeyBytes();
        } catch (IOException e) {
            upload.cancel(e);
            throw failure(opened, "uploading the evaluation keys", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StatusRuntimeException s ? Statuses.toException(s, "uploading the evaluation keys")
                    : new HecnnException("uploading the evaluation keys failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            upload.cancel(e);
            throw new HecnnException("interrupted while uploading the evaluation keys", e);
        }
    }

    private static RuntimeException failure(CompletableFuture<SessionOpened> opened, String during, Exception cause) {
        try {
            opened.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException s) {
                return Statuses.toException(s, during);
            }
        } catch (Exception ignored) {
            // the server said nothing more specific
        }
        return new ServiceUnavailableException(during + ": " + cause.getMessage(), cause);
    }

    /**
     * Encrypts one image (C×H×W, normalised as the model expects), has the server evaluate it within
     * {@code deadline}, and decrypts the logits (refusing a result outside the model's certified range).
     */
    public double[] infer(double[][][] image, Duration deadline) {
        return client.decrypt(send(client.encrypt(image), deadline));
    }

    /**
     * As {@link #infer(double[][][], Duration)} for 1..{@link #capacity()} images, each flattened in the model's
     * input order, in one request (the batched layout carries one image per slot); returns [image][logit].
     */
    public double[][] infer(double[][] images, Duration deadline) {
        return client.decrypt(send(client.encrypt(images), deadline), images.length);
    }

    /** Images one request carries at most. */
    public int capacity() {
        return client.capacity();
    }

    private byte[] send(byte[] request, Duration deadline) {
        String session = sessionId;
        if (session == null) {
            throw new IllegalStateException("open a session (upload keys) before sending requests");
        }
        try {
            return InferenceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .evaluate(EvaluateRequest.newBuilder().setSessionId(session)
                            .setRequest(ByteString.copyFrom(request)).build()).getResponse().toByteArray();
        } catch (StatusRuntimeException e) {
            throw Statuses.toException(e, "evaluating on the server");
        }
    }

    /** The class probabilities (an ensemble's averaged softmax) of logits from {@link #infer}. */
    public double[] probabilities(double[] logits) {
        return org.hecnn.cnn.ensemble.EnsembleStack.averageSoftmax(logits, client.members());
    }

    private void closeQuietly(String session) {
        try {
            InferenceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .closeSession(CloseSessionRequest.newBuilder().setSessionId(session).build());
        } catch (StatusRuntimeException ignored) {
            // an expired session or a stopped server has nothing left to free
        }
    }

    /** Closes the session on the server (freeing its keys), the connection and the local keys. */
    @Override
    public void close() {
        if (sessionId != null) {
            closeQuietly(sessionId);
        }
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }

    /** A flow-controlled client stream of key chunks: writes block while the transport is not ready. */
    private static final class Upload implements ClientResponseObserver<KeyChunk, SessionOpened> {
        private final CompletableFuture<SessionOpened> opened;
        private final Object ready = new Object();
        private volatile ClientCallStreamObserver<KeyChunk> requests;

        Upload(CompletableFuture<SessionOpened> opened) {
            this.opened = opened;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<KeyChunk> stream) {
            requests = stream;
            stream.setOnReadyHandler(() -> {
                synchronized (ready) {
                    ready.notifyAll();
                }
            });
        }

        void send(byte[] data, int off, int len) throws IOException {
            synchronized (ready) {
                while (!requests.isReady()) {
                    if (opened.isDone()) {
                        throw new IOException("the server ended the upload");
                    }
                    try {
                        ready.wait(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted", e);
                    }
                }
            }
            requests.onNext(KeyChunk.newBuilder().setData(ByteString.copyFrom(data, off, len)).build());
        }

        OutputStream stream() {
            return new java.io.BufferedOutputStream(new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    for (int i = 0; i < len; i += CHUNK_BYTES) {
                        send(b, off + i, Math.min(CHUNK_BYTES, len - i));
                    }
                }
            }, CHUNK_BYTES);
        }

        void complete() {
            requests.onCompleted();
        }

        void cancel(Throwable why) {
            requests.cancel("client gave up: " + why.getMessage(), why);
        }

        @Override
        public void onNext(SessionOpened value) {
            opened.complete(value);
        }

        @Override
        public void onError(Throwable t) {
            opened.completeExceptionally(t);
            synchronized (ready) {
                ready.notifyAll();
            }
        }

        @Override
        public void onCompleted() {
            opened.completeExceptionally(new IllegalStateException("the server closed the upload without a session"));
        }
    }
}
