package org.hecnn.spark;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HexFormat;
import org.apache.hadoop.fs.Path;
import org.hecnn.HecnnException;
import org.hecnn.ckks.ParameterMismatchException;
import org.hecnn.cli.BatchFiles;
import org.hecnn.cli.CompiledModel;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.service.InferenceServer;

/**
 * What one executor JVM holds across tasks and jobs: the compiled network (compiled at most once per JVM for a given
 * {@link ModelSpec}, however many tasks run at once; its plaintexts are shared by all of them, as the network is
 * immutable and thread-safe) and the {@link SessionCache} of the clients' evaluation keys. Static, because Spark
 * runs every task of an executor in the same JVM and class loader and gives tasks no other shared place.
 */
final class ExecutorRuntime {
    private static String loadedKey;
    private static EncryptedNetwork network;
    private static InferenceServer server;
    private static SessionCache sessions;
    private static int compilations;
    private static double compileSeconds;

    private ExecutorRuntime() {
    }

    /** The server of {@code spec}'s network, compiling it on first use in this JVM. */
    static synchronized InferenceServer server(ModelSpec spec, int maxSessions) throws IOException {
        String key = spec.key();
        if (key.equals(loadedKey)) {
            return server;
        }
        if (network != null) { // another model (a later job in the same JVM): free the previous one
            sessions.clear();
            network.close();
            network = null;
            server = null;
            loadedKey = null;
        }
        long t0 = System.nanoTime();
        java.nio.file.Path onnx = ModelSpec.temporaryCopy(spec);
        EncryptedNetwork compiled;
        try {
            compiled = CompiledModel.compile(onnx, spec.options(), spec.capacity(), true);
        } finally {
            ModelSpec.deleteTemporaryCopy(onnx);
        }
        byte[] d = compiled.description().toBytes();
        if (!Arrays.equals(d, spec.description())) {
            compiled.close();
            throw new ServiceMismatchException("the network compiled on this executor from " + spec.modelName()
                    + " with options " + spec.options() + " does not have the batch's service description: the "
                    + "executor's hecnn differs from the driver's");
        }
        compilations++;
        compileSeconds += (System.nanoTime() - t0) / 1e9;
        network = compiled;
        server = new InferenceServer(compiled);
        sessions = new SessionCache(maxSessions);
        loadedKey = key;
        return server;
    }

    /** The session of {@code session}'s key file, loaded once per executor. */
    static SessionCache.Lease session(InferenceServer server, HadoopFiles files, Path keyFile, String session)
            throws Exception {
        SessionCache cache;
        synchronized (ExecutorRuntime.class) {
            cache = sessions;
        }
        return cache.acquire(session, () -> load(server, files, keyFile, session));
    }

    private static InferenceServer.Session load(InferenceServer server, HadoopFiles files, Path keyFile,
                                                String session) throws IOException {
        String file = keyFile.toString();
        InferenceServer.Session s;
        try (InputStream in = files.open(keyFile)) {
            s = server.open(in, server.keyFootprint().maxUploadBytes());
        } catch (FileNotFoundException e) {
            throw new BatchInputException(BatchInputException.Kind.MISSING_KEYS, file, "the session has no "
                    + "evaluation-key file (the client writes " + BatchFiles.keyFile(session) + ")", e);
        } catch (ParameterMismatchException e) {
            throw new BatchInputException(BatchInputException.Kind.OTHER_PARAMETERS, file, "these evaluation keys "
                    + "were made for other CKKS parameters than the service's: " + e.getMessage(), e);
        } catch (HecnnException | EOFException e) {
            throw new BatchInputException(BatchInputException.Kind.CORRUPT_KEYS, file, "not evaluation keys of this "
                    + "service: " + e.getMessage(), e);
        }
        String actual = HexFormat.of().formatHex(s.fingerprint().bytes());
        if (!actual.equals(session)) {
            s.close();
            throw new BatchInputException(BatchInputException.Kind.CORRUPT_KEYS, file, "the keys inside are those of "
                    + "session " + actual + ", not of the session the file is named after", null);
        }
        return s;
    }

    /** Compilations in this JVM so far. */
    static synchronized int compilations() {
        return compilations;
    }

    static synchronized double compileSeconds() {
        return compileSeconds;
    }

    /** Key sets loaded in this JVM (since its network was compiled). */
    static int keyLoads() {
        SessionCache cache;
        synchronized (ExecutorRuntime.class) {
            cache = sessions;
        }
        return cache == null ? 0 : cache.loads();
    }

    /** Frees the network and the sessions (tests; a JVM that ends frees them anyway). */
    static synchronized void reset() {
        if (sessions != null) {
            sessions.clear();
        }
        if (network != null) {
            network.close();
        }
        network = null;
        server = null;
        sessions = null;
        loadedKey = null;
        compilations = 0;
        compileSeconds = 0;
    }
}
