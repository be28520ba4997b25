package org.hecnn.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.hecnn.cli.BatchFiles;
import org.hecnn.cli.Json;

/**
 * The measurements behind two choices of the batch job (docs/scale-out.md), on the Spark it is submitted to:
 * how fast a batch's requests are read as one file each (the job's way: listed by the driver, read by the tasks;
 * and Spark's binaryFiles) against the same bytes as rows of a Parquet table; and how fast Spark broadcasts a block
 * of incompressible bytes (what broadcasting a compiled network's plaintexts would cost at least). Prints JSON.
 *
 * <p>Arguments: BATCH WORK [BROADCAST_MIB]: the batch directory, a scratch directory for the Parquet copy, and the
 * size of the broadcast block (default 256).
 */
public final class ScaleOutBench {
    private ScaleOutBench() {
    }

    public static void main(String[] args) throws Exception {
        SparkSession spark = SparkSession.builder().appName("hecnn scale-out bench").getOrCreate();
        try {
            System.out.println(Json.write(run(spark, args[0], args[1],
                    args.length > 2 ? Integer.parseInt(args[2]) : 256)));
        } finally {
            spark.stop();
        }
    }

    static Map<String, Object> run(SparkSession spark, String batchDir, String work, int broadcastMib)
            throws Exception {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        HadoopFiles files = new HadoopFiles(jsc.hadoopConfiguration());
        Path batch = files.fs(new Path(batchDir)).makeQualified(new Path(batchDir));
        List<RequestRef> refs = new ArrayList<>();
        for (List<RequestRef> chunk : BatchJob.chunks(files, batch, 1)) {
            refs.addAll(chunk);
        }
        int parts = Math.max(1, jsc.defaultParallelism());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", refs.size());
        m.put("parallelism", parts);

        // as the job reads them: the driver lists, each task reads its files through Hadoop's FileSystem
        double[] perFile = best(() -> jsc.parallelize(refs, parts).map(r -> (long) files.read(new Path(r.request()))
                .length).reduce(Long::sum));
        m.put("bytes", (long) perFile[1]);
        m.put("filesSeconds", perFile[0]);
        // Spark's binaryFiles over the same files
        String glob = batch + "/" + BatchFiles.REQUESTS + "/*/*" + BatchFiles.MESSAGE_SUFFIX;
        double[] binary = best(() -> jsc.binaryFiles(glob, parts).map(t -> (long) t._2().toArray().length)
                .reduce(Long::sum));
        m.put("binaryFilesSeconds", binary[0]);
        // the same bytes as rows of a Parquet table (session, id, request)
        StructType schema = new StructType().add("session", DataTypes.StringType).add("id", DataTypes.StringType)
                .add("request", DataTypes.BinaryType);
        String parquet = work + "/requests.parquet";
        long w0 = System.nanoTime();
        Dataset<Row> rows = spark.createDataFrame(jsc.parallelize(refs, parts).map(r -> RowFactory.create(
                r.session(), r.id(), files.read(new Path(r.request())))), schema);
        rows.write().mode("overwrite").parquet(parquet);
        m.put("parquetWriteSeconds", (System.nanoTime() - w0) / 1e9);
        double[] pq = best(() -> spark.read().parquet(parquet).javaRDD().map(r -> (long) ((byte[]) r.get(2)).length)
                .reduce(Long::sum));
        m.put("parquetReadSeconds", pq[0]);
        if ((long) pq[1] != (long) perFile[1] || (long) binary[1] != (long) perFile[1]) {
            throw new IllegalStateException("the three reads saw different byte counts");
        }
        m.put("parquetBytesOnDisk", files.fs(new Path(parquet)).getContentSummary(new Path(parquet)).getLength());

        // a broadcast of incompressible bytes, created on the driver and read by one task per slot
        byte[] block = new byte[broadcastMib << 20];
        new Random(1).nextBytes(block);
        long b0 = System.nanoTime();
        Broadcast<byte[]> shared = jsc.broadcast(block);
        long total = jsc.parallelize(List.of(1, 2), parts).map(i -> (long) shared.value().length).reduce(Long::sum);
        m.put("broadcastMiB", broadcastMib);
        m.put("broadcastSeconds", (System.nanoTime() - b0) / 1e9);
        shared.destroy();
        if (total != 2L * block.length) {
            throw new IllegalStateException("broadcast read " + total);
        }
        return m;
    }

    /** A read measured three times: the best time, and what it returned. */
    private static double[] best(java.util.concurrent.Callable<Long> read) throws Exception {
        double bestSeconds = Double.MAX_VALUE;
        long value = 0;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            value = read.call();
            bestSeconds = Math.min(bestSeconds, (System.nanoTime() - t0) / 1e9);
        }
        return new double[] {bestSeconds, value};
    }
}
