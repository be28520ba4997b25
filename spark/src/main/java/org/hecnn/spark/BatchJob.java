package org.hecnn.spark;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.hecnn.HecnnException;
import org.hecnn.cli.BatchFiles;
import org.hecnn.cli.CompiledModel;
import org.hecnn.cli.Json;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.io.MalformedDataException;

/**
 * The batch job's driver: checks that the model and options compile to the batch's service description, lists the
 * request files, groups them by session into tasks, runs the tasks ({@link RequestTask}) and writes summary.json.
 * Files are laid out as {@link BatchFiles} says.
 */
public final class BatchJob {
    private BatchJob() {
    }

    /**
     * What to run.
     *
     * @param batch           the client's batch directory (service.desc, keys/, requests/)
     * @param model           the ONNX model
     * @param out             the output directory (responses/, errors/, summary.json)
     * @param modelOptions    the options `hecnn describe` was given (--layout, --scale-bits, --backend, ...)
     * @param together        requests of one session evaluated in lockstep (the CNN layouts share plaintext
     *                        conversions between them)
     * @param requestsPerTask requests per Spark task (a failed task redoes at most these, less what it wrote)
     * @param maxSessions     key sets an executor keeps loaded at once
     * @param failFast        fail the job at the first bad request or key file instead of recording it
     * @param failFirstAttemptForTestsOnly TEST ONLY: every task's first attempt dies after its first response
     */
    public record Options(String batch, String model, String out, List<String> modelOptions, int together,
                          int requestsPerTask, int maxSessions, boolean failFast,
                          boolean failFirstAttemptForTestsOnly) {
        public Options {
            modelOptions = List.copyOf(modelOptions);
            if (together < 1 || requestsPerTask < 1 || maxSessions < 1) {
                throw new HecnnException("--together, --requests-per-task and --max-sessions must be at least 1");
            }
        }
    }

    /** What the run did. */
    public record Summary(int requests, int evaluated, int answeredBefore, List<Outcome> failures, int tasks,
                          double seconds, double evaluationSeconds, double medianRequestSeconds,
                          Map<String, Map<String, Object>> executors) {
        public int failed() {
            return failures.size();
        }

        /** The summary as one JSON object. */
        public String toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("requests", requests);
            m.put("evaluated", evaluated);
            m.put("answeredBefore", answeredBefore);
            m.put("failed", failures.size());
            m.put("tasks", tasks);
            m.put("seconds", seconds);
            m.put("evaluationSeconds", evaluationSeconds);
            m.put("medianRequestSeconds", medianRequestSeconds);
            m.put("executors", executors);
            List<Object> errors = new ArrayList<>();
            for (Outcome o : failures) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("session", o.session());
                e.put("id", o.id());
                e.put("kind", o.kind());
                e.put("message", o.message());
                errors.add(e);
            }
            m.put("errors", errors);
            return Json.write(m);
        }
    }

    /** Runs the job on {@code spark}. */
    public static Summary run(SparkSession spark, Options o) throws IOException {
        long t0 = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        HadoopFiles files = new HadoopFiles(jsc.hadoopConfiguration());
        Path batch = qualified(files, o.batch());
        Path out = qualified(files, o.out());
        Path modelPath = qualified(files, o.model());
        byte[] description = readInput(files, new Path(batch, BatchFiles.DESCRIPTION), "the batch's service "
                + "description (the client's `hecnn requests encrypt` writes it)");
        ServiceDescription service;
        try {
            service = ServiceDescription.fromBytes(description, false);
        } catch (MalformedDataException e) {
            throw new HecnnException(new Path(batch, BatchFiles.DESCRIPTION) + " is not a service description: "
                    + e.getMessage(), e);
        }
        byte[] onnx = readInput(files, modelPath, "the model");
        CompiledModel.check(o.modelOptions());
        ModelSpec spec = new ModelSpec(modelPath.getName(), onnx, o.modelOptions(), service.capacity(), description);
        checkDescription(spec, service);

        List<List<RequestRef>> chunks = chunks(files, batch, o.requestsPerTask());
        int requests = chunks.stream().mapToInt(List::size).sum();
        String runId = UUID.randomUUID().toString();
        RequestTask.Settings settings = new RequestTask.Settings(out.toString(), runId, o.together(), o.maxSessions(),
                o.failFast(), o.failFirstAttemptForTestsOnly());
        List<Outcome> outcomes = List.of();
        if (!chunks.isEmpty()) {
            Broadcast<ModelSpec> shared = jsc.broadcast(spec);
            try {
                jsc.setJobDescription("hecnn: " + requests + " encrypted requests of " + spec.modelName());
                outcomes = jsc.parallelize(chunks, chunks.size())
                        .mapPartitions(new RequestTask(shared, files, settings))
                        .collect();
            } catch (Exception e) { // SparkException is checked but not declared
                for (Throwable c = e; c != null; c = c.getCause()) {
                    if (c instanceof BatchInputException b) { // --fail-fast: the input error itself, not Spark's
                        throw new BatchInputException(b.kind(), b.file(), b.detail() + " (--fail-fast)", e);
                    }
                }
                throw e;
            } finally {
                shared.destroy();
                Path temp = new Path(out, "_temporary/" + runId);
                files.fs(temp).delete(temp, true);
                Path parent = temp.getParent();
                FileStatus[] left = files.fs(parent).exists(parent) ? files.fs(parent).listStatus(parent) : null;
                if (left != null && left.length == 0) {
                    files.fs(parent).delete(parent, false);
                }
            }
        }
        Summary s = summarise(outcomes, requests, chunks.size(), (System.nanoTime() - t0) / 1e9);
        Path summary = new Path(out, BatchFiles.SUMMARY);
        FileSystem fs = files.fs(summary);
        fs.mkdirs(out);
        try (var w = fs.create(summary, true)) {
            w.write((s.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return s;
    }

    /** Compiles the description only (no plaintexts: cheap) and fails unless it is the batch's. */
    private static void checkDescription(ModelSpec spec, ServiceDescription batch) throws IOException {
        java.nio.file.Path onnx = ModelSpec.temporaryCopy(spec);
        try {
            try (EncryptedNetwork n = CompiledModel.compile(onnx, spec.options(), spec.capacity(), false)) {
                if (!Arrays.equals(n.description().toBytes(), spec.description())) {
                    ServiceDescription mine = n.description();
                    throw new ServiceMismatchException(spec.modelName() + " with the options " + spec.options()
                            + " does not compile to the service the batch's requests were made for (batch: N = 2^"
                            + batch.parameters().logN() + ", log QP " + batch.parameters().logQP() + ", "
                            + batch.capacity() + " images per request; this model: N = 2^" + mine.parameters().logN()
                            + ", log QP " + mine.parameters().logQP() + ", " + mine.capacity() + "): give the job the "
                            + "model and options its description was written with (`hecnn describe`)");
                }
            }
        } finally {
            ModelSpec.deleteTemporaryCopy(onnx);
        }
    }

    /** The request files, by session and id, in tasks of at most {@code perTask} requests of one session each. */
    static List<List<RequestRef>> chunks(HadoopFiles files, Path batch, int perTask) throws IOException {
        Path requests = new Path(batch, BatchFiles.REQUESTS);
        FileSystem fs = files.fs(requests);
        if (!fs.exists(requests)) {
            throw new HecnnException(batch + " has no " + BatchFiles.REQUESTS + "/ folder: give the batch directory "
                    + "`hecnn requests encrypt` wrote");
        }
        List<List<RequestRef>> chunks = new ArrayList<>();
        FileStatus[] sessions = fs.listStatus(requests);
        Arrays.sort(sessions, Comparator.comparing(st -> st.getPath().getName()));
        for (FileStatus sd : sessions) {
            String session = sd.getPath().getName();
            if (!sd.isDirectory() || !BatchFiles.isSession(session)) {
                System.err.println("warning: ignoring " + sd.getPath() + ": not a session folder (64 hex digits)");
                continue;
            }
            String keys = new Path(batch, BatchFiles.keyFile(session)).toString();
            FileStatus[] items = fs.listStatus(sd.getPath());
            Arrays.sort(items, Comparator.comparing(st -> st.getPath().getName()));
            List<RequestRef> chunk = new ArrayList<>();
            for (FileStatus f : items) {
                String name = f.getPath().getName();
                String id = name.endsWith(BatchFiles.MESSAGE_SUFFIX)
                        ? name.substring(0, name.length() - BatchFiles.MESSAGE_SUFFIX.length()) : "";
                if (!f.isFile() || !BatchFiles.isRequestId(id)) {
                    System.err.println("warning: ignoring " + f.getPath() + ": not a request file (ID.hct)");
                    continue;
                }
                chunk.add(new RequestRef(session, id, f.getPath().toString(), keys));
                if (chunk.size() == perTask) {
                    chunks.add(chunk);
                    chunk = new ArrayList<>();
                }
            }
            if (!chunk.isEmpty()) {
                chunks.add(chunk);
            }
        }
        return chunks;
    }

    private static Summary summarise(List<Outcome> outcomes, int requests, int tasks, double seconds) {
        int evaluated = 0;
        int before = 0;
        double evaluation = 0;
        List<Outcome> failures = new ArrayList<>();
        Map<String, Map<String, Object>> executors = new TreeMap<>();
        for (Outcome o : outcomes) {
            switch (o.status()) {
                case Outcome.EVALUATED -> evaluated++;
                case Outcome.ANSWERED_BEFORE -> before++;
                default -> failures.add(o);
            }
            evaluation += o.seconds();
            Map<String, Object> e = executors.computeIfAbsent(o.executor(), k -> new LinkedHashMap<>());
            e.merge("requests", 1, (a, b) -> (Integer) a + (Integer) b);
            e.merge("evaluationSeconds", o.seconds(), (a, b) -> (Double) a + (Double) b);
            e.merge("compilations", o.compilations(), (a, b) -> Math.max((Integer) a, (Integer) b));
            e.merge("compileSeconds", o.compileSeconds(), (a, b) -> Math.max((Double) a, (Double) b));
            e.merge("keyLoads", o.keyLoads(), (a, b) -> Math.max((Integer) a, (Integer) b));
            e.merge("maxHeapUsedMiB", o.heapUsedBytes() >> 20, (a, b) -> Math.max((Long) a, (Long) b));
            e.merge("peakRssMiB", o.peakRssBytes() >> 20, (a, b) -> Math.max((Long) a, (Long) b));
        }
        double[] each = outcomes.stream().filter(x -> x.status().equals(Outcome.EVALUATED))
                .mapToDouble(Outcome::seconds).sorted().toArray();
        return new Summary(requests, evaluated, before, failures, tasks, seconds, evaluation,
                each.length == 0 ? Double.NaN : each[each.length / 2], executors);
    }

    private static Path qualified(HadoopFiles files, String p) throws IOException {
        Path path = new Path(p);
        return files.fs(path).makeQualified(path);
    }

    private static byte[] readInput(HadoopFiles files, Path p, String what) throws IOException {
        try {
            return files.read(p);
        } catch (FileNotFoundException e) {
            throw new HecnnException(p + " does not exist: " + what);
        }
    }

}
