package org.hecnn.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.hecnn.HecnnException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * The main class of the shaded jar, for spark-submit (or plain java in local mode): evaluates a batch of encrypted
 * requests ({@link BatchJob}) and prints its summary. Options it does not know are model options, as
 * `hecnn describe` took them (--layout, --scale-bits, --backend, ...). docs/scale-out.md.
 *
 * <p>Exit status: 0 when every request has its response, 4 when some requests failed with typed input errors (see
 * errors/ and summary.json), 2 for a typed error that stopped the job (bad options, a batch made for another service,
 * --fail-fast), 1 otherwise.
 */
@Command(name = "hecnn-spark", mixinStandardHelpOptions = true,
        description = "Evaluate a batch of encrypted requests on Apache Spark (docs/scale-out.md).")
public final class BatchInferenceJob implements Callable<Integer> {
    /** Exit status when some requests failed with typed input errors (recorded under errors/). */
    public static final int SOME_FAILED = 4;

    @Option(names = "--batch", required = true, description = "the client's batch directory (service.desc, keys/, "
            + "requests/); any Hadoop path (file:, hdfs:, s3a:)")
    String batch;

    @Option(names = "--model", required = true, description = "the ONNX model (read by the driver and broadcast)")
    String model;

    @Option(names = "--out", required = true, description = "output directory: responses/, errors/, summary.json")
    String out;

    @Option(names = "--together", defaultValue = "1", description = "requests of a session evaluated in lockstep "
            + "(default: ${DEFAULT-VALUE})")
    int together;

    @Option(names = "--requests-per-task", description = "requests per Spark task (default: --together)")
    Integer requestsPerTask;

    @Option(names = "--max-sessions", defaultValue = "2", description = "key sets an executor keeps loaded at once "
            + "(default: ${DEFAULT-VALUE})")
    int maxSessions;

    @Option(names = "--fail-fast", description = "fail the job at the first bad request or key file instead of "
            + "recording it under errors/ and going on")
    boolean failFast;

    @Option(names = "--master", description = "Spark master when not run by spark-submit (default: local[*])")
    String master;

    @Option(names = "--fail-first-attempt-for-tests-only", hidden = true)
    boolean failFirstAttemptForTestsOnly;

    @Unmatched
    List<String> modelOptions = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        BatchJob.Options o = options();
        SparkConf conf = new SparkConf().setAppName("hecnn batch inference");
        if (!conf.contains("spark.master")) {
            conf.setMaster(master != null ? master : "local[*]");
        } else if (master != null) {
            throw new HecnnException("--master is for running without spark-submit; spark-submit's --master is "
                    + conf.get("spark.master"));
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        try {
            BatchJob.Summary s = BatchJob.run(spark, o);
            System.out.println(s.toJson());
            return s.failed() > 0 ? SOME_FAILED : 0;
        } finally {
            spark.stop();
        }
    }

    BatchJob.Options options() {
        return new BatchJob.Options(batch, model, out, modelOptions, together,
                requestsPerTask == null ? together : requestsPerTask, maxSessions, failFast,
                failFirstAttemptForTestsOnly);
    }

    /** The command line, with hecnn's typed errors printed as one line (exit status 2). */
    static CommandLine commandLine() {
        return new CommandLine(new BatchInferenceJob()).setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof HecnnException) {
                cmd.getErr().println("error: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
