package org.hecnn.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.hecnn.HecnnException;
import org.hecnn.ckks.ParameterMismatchException;
import org.hecnn.cli.BatchFiles;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.service.ForeignKeyException;
import org.hecnn.inference.service.InferenceServer;
import org.hecnn.io.MalformedDataException;

/**
 * A task: evaluates its requests (all of one session) on this executor's network with the session's keys, both held
 * by {@link ExecutorRuntime} across tasks, and writes each response exactly once: to a temporary file of this
 * attempt, then renamed to responses/SESSION/ID.hct. A request whose response exists already (an earlier attempt of
 * this task, or an earlier run) is not evaluated again, so a retried task completes what its failed attempt left
 * and never duplicates it. A request or key file that cannot be evaluated is recorded under errors/ with a typed
 * error naming the file, and the task goes on (with --fail-fast it fails instead).
 */
final class RequestTask implements FlatMapFunction<Iterator<List<RequestRef>>, Outcome> {
    /** The job's settings the tasks need. */
    record Settings(String out, String runId, int together, int maxSessions, boolean failFast,
                    boolean failFirstAttemptForTestsOnly) implements Serializable {
    }

    private final Broadcast<ModelSpec> spec;
    private final HadoopFiles files;
    private final Settings settings;

    RequestTask(Broadcast<ModelSpec> spec, HadoopFiles files, Settings settings) {
        this.spec = spec;
        this.files = files;
        this.settings = settings;
    }

    @Override
    public Iterator<Outcome> call(Iterator<List<RequestRef>> chunks) throws Exception {
        TaskContext tc = TaskContext.get();
        int attempt = tc == null ? 0 : tc.attemptNumber();
        String temp = settings.out() + "/_temporary/" + settings.runId() + "/" + (tc == null ? 0 : tc.partitionId())
                + "-" + attempt;
        InferenceServer server = ExecutorRuntime.server(spec.value(), settings.maxSessions());
        List<Outcome> out = new ArrayList<>();
        int written = 0;
        while (chunks.hasNext()) {
            List<RequestRef> pending = new ArrayList<>();
            for (RequestRef r : chunks.next()) {
                if (files.exists(response(r))) {
                    out.add(outcome(r, Outcome.ANSWERED_BEFORE, null, 0));
                } else {
                    pending.add(r);
                }
            }
            if (pending.isEmpty()) {
                continue;
            }
            RequestRef first = pending.get(0);
            SessionCache.Lease lease;
            try {
                lease = ExecutorRuntime.session(server, files, new Path(first.keys()), first.session());
            } catch (BatchInputException e) {
                for (RequestRef r : pending) {
                    out.add(fail(r, new BatchInputException(e.kind(), e.file(), e.detail() + " (so request "
                            + r.request() + " cannot be evaluated)", e)));
                }
                continue;
            }
            try (lease) {
                for (int g = 0; g < pending.size(); g += settings.together()) {
                    List<RequestRef> group = pending.subList(g, Math.min(pending.size(), g + settings.together()));
                    for (Answer a : evaluate(lease.session(), group)) {
                        if (a.error != null) {
                            out.add(fail(a.ref, a.error));
                            continue;
                        }
                        files.writeOnce(new Path(temp + "/" + a.ref.session() + "-" + a.ref.id()
                                + BatchFiles.MESSAGE_SUFFIX), response(a.ref), a.response);
                        Path staleError = error(a.ref);
                        if (files.exists(staleError)) { // an earlier run failed it; this one answered it
                            files.fs(staleError).delete(staleError, false);
                        }
                        out.add(outcome(a.ref, Outcome.EVALUATED, null, a.seconds));
                        written++;
                        if (settings.failFirstAttemptForTestsOnly() && attempt == 0 && written == 1) {
                            // TEST ONLY: die after one response is in place and another's temporary file is
                            // half-written, as a killed executor would
                            try (var o = files.fs(new Path(temp)).create(new Path(temp + "/half-written.tmp"))) {
                                o.write(new byte[] {1, 2, 3});
                            }
                            throw new IllegalStateException("test-only failure of the first attempt of partition "
                                    + (tc == null ? 0 : tc.partitionId()) + " after its first response");
                        }
                    }
                }
            }
        }
        return out.iterator();
    }

    /** A request's response (or typed error) and the evaluation's share of seconds. */
    private record Answer(RequestRef ref, byte[] response, BatchInputException error, double seconds) {
    }

    /** The group in lockstep where the layout shares work; a group with a bad request is evaluated one by one. */
    private List<Answer> evaluate(InferenceServer.Session session, List<RequestRef> group) throws IOException {
        List<byte[]> requests = new ArrayList<>();
        for (RequestRef r : group) {
            requests.add(files.read(new Path(r.request())));
        }
        List<Answer> answers = new ArrayList<>();
        if (group.size() > 1) {
            long t0 = System.nanoTime();
            try {
                List<byte[]> responses = session.evaluateTogether(requests, LayerProgress.NONE);
                double s = (System.nanoTime() - t0) / 1e9 / group.size();
                for (int i = 0; i < group.size(); i++) {
                    answers.add(new Answer(group.get(i), responses.get(i), null, s));
                }
                return answers;
            } catch (HecnnException e) {
                // some request of the group is bad: find which, one at a time
            }
        }
        for (int i = 0; i < group.size(); i++) {
            long t0 = System.nanoTime();
            try {
                byte[] response = session.evaluate(requests.get(i), LayerProgress.NONE);
                answers.add(new Answer(group.get(i), response, null, (System.nanoTime() - t0) / 1e9));
            } catch (HecnnException e) {
                answers.add(new Answer(group.get(i), null, typed(group.get(i), e), 0));
            }
        }
        return answers;
    }

    private static BatchInputException typed(RequestRef r, HecnnException e) {
        if (e instanceof ForeignKeyException) {
            return new BatchInputException(BatchInputException.Kind.FOREIGN_KEY, r.request(), "made under another key "
                    + "set than its session's (" + r.keys() + "): " + e.getMessage(), e);
        }
        if (e instanceof ParameterMismatchException) {
            return new BatchInputException(BatchInputException.Kind.OTHER_PARAMETERS, r.request(), "made for other "
                    + "CKKS parameters than the service's: " + e.getMessage(), e);
        }
        if (e instanceof MalformedDataException) {
            return new BatchInputException(BatchInputException.Kind.CORRUPT_REQUEST, r.request(), "not a request of "
                    + "this service: " + e.getMessage(), e);
        }
        return new BatchInputException(BatchInputException.Kind.INVALID_REQUEST, r.request(), e.getMessage(), e);
    }

    /** Records a request's typed error under errors/ (or, with --fail-fast, fails the task with it). */
    private Outcome fail(RequestRef r, BatchInputException e) throws IOException {
        String line = e.kind() + " " + e.getMessage() + "\n";
        TaskContext tc = TaskContext.get();
        files.writeOnce(new Path(settings.out() + "/_temporary/" + settings.runId() + "/errors-"
                + (tc == null ? 0 : tc.partitionId()) + "-" + (tc == null ? 0 : tc.attemptNumber()) + "/"
                + r.session() + "-" + r.id()), error(r), line.getBytes(StandardCharsets.UTF_8));
        if (settings.failFast()) {
            throw e;
        }
        return outcome(r, Outcome.FAILED, e, 0);
    }

    private Path response(RequestRef r) {
        return new Path(settings.out() + "/" + BatchFiles.responseFile(r.session(), r.id()));
    }

    private Path error(RequestRef r) {
        return new Path(settings.out() + "/" + BatchFiles.errorFile(r.session(), r.id()));
    }

    private static Outcome outcome(RequestRef r, String status, BatchInputException e, double seconds) {
        Runtime rt = Runtime.getRuntime();
        SparkEnv env = SparkEnv.get();
        return new Outcome(r.session(), r.id(), status, e == null ? null : e.kind().name(),
                e == null ? null : e.getMessage(), seconds, env == null ? "driver" : env.executorId(),
                ExecutorRuntime.compilations(), ExecutorRuntime.compileSeconds(), ExecutorRuntime.keyLoads(),
                rt.totalMemory() - rt.freeMemory(), peakRss());
    }

    /** VmHWM of this process, in bytes (0 where /proc is not there). */
    static long peakRss() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
