package org.hecnn.inference.cluster;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.hecnn.cnn.cluster.EnsembleClustering;
import org.hecnn.cnn.cluster.Granularity;
import org.hecnn.cnn.cluster.LayerStats;
import org.hecnn.cnn.cluster.WeightClustering;
import org.hecnn.cnn.cluster.WeightKMeans;
import org.hecnn.cnn.compile.Passes;
import org.hecnn.cnn.ensemble.EnsembleStack;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.cnn.plain.PlainEvaluator;

/**
 * Plaintext accuracy against the number of clusters k, for per-layer and per-kernel-column clustering of one model
 * and for joint clustering of ensembles of M of the given models (softmax outputs averaged), with the plaintext
 * multiplications and plaintexts the clustered per-channel convolution would need. Encrypted timings are measured
 * by {@code hecnn infer/eval --clusters k [--ensemble ...]} ({@code scripts/cluster-ensemble-table}).
 *
 * <pre>
 * ClusteringReport --data test_lossless_0-499.bin [--range 0-499] [--k 16,32,64,128,256] [--m 1,2,4]
 *                  [--granularity layer,column] [--seed S] [--max-iterations N] [--layers] MODEL.onnx [MODEL2.onnx ...]
 * </pre>
 * Images are CIFAR-10 binary records (1 label byte + 3·32·32 bytes), normalised as the training recipe does:
 * (pixel/255 − mean) / std per channel.
 */
public final class ClusteringReport {
    static final int RECORD = 1 + 3 * 32 * 32;
    static final double[] MEAN = {0.485, 0.456, 0.406};
    static final double[] STD = {0.229, 0.224, 0.225};

    private ClusteringReport() {
    }

    /** Labelled images. */
    record Images(List<Tensor> pixels, int[] labels) {
    }

    static Images readCifar(Path file, int from, int to) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length == 0 || all.length % RECORD != 0) {
            throw new IllegalArgumentException(file + " is not a CIFAR-10 binary file (size " + all.length + ")");
        }
        int count = all.length / RECORD;
        if (from < 0 || to >= count || from > to) {
            throw new IllegalArgumentException("range " + from + "-" + to + " outside the " + count + " images of "
                    + file);
        }
        List<Tensor> px = new ArrayList<>();
        int[] labels = new int[to - from + 1];
        for (int i = from; i <= to; i++) {
            int base = i * RECORD;
            double[] v = new double[3 * 1024];
            for (int c = 0; c < 3; c++) {
                for (int j = 0; j < 1024; j++) {
                    v[c * 1024 + j] = ((all[base + 1 + c * 1024 + j] & 0xff) / 255.0 - MEAN[c]) / STD[c];
                }
            }
            px.add(Tensor.of(v, 3, 32, 32));
            labels[i - from] = all[base] & 0xff;
        }
        return new Images(px, labels);
    }

    /** Softmax probabilities of every member on every image: [image][member][class]. */
    static double[][][] probabilities(List<Model> members, Images images) {
        int n = images.pixels().size();
        double[][][] p = new double[n][members.size()][];
        IntStream.range(0, n).parallel().forEach(i -> {
            for (int m = 0; m < members.size(); m++) {
                p[i][m] = EnsembleStack.softmax(
                        PlainEvaluator.evaluate(members.get(m), images.pixels().get(i)).toArray());
            }
        });
        return p;
    }

    /** Accuracy of the first {@code m} members with their softmax outputs averaged. */
    static double accuracy(double[][][] p, int m, int[] labels) {
        int correct = 0;
        for (int i = 0; i < p.length; i++) {
            double[] avg = new double[p[i][0].length];
            for (int j = 0; j < m; j++) {
                for (int c = 0; c < avg.length; c++) {
                    avg[c] += p[i][j][c] / m;
                }
            }
            int best = 0;
            for (int c = 1; c < avg.length; c++) {
                if (avg[c] > avg[best]) {
                    best = c;
                }
            }
            correct += best == labels[i] ? 1 : 0;
        }
        return correct / (double) p.length;
    }

    static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
    }

    public static void main(String[] args) throws IOException {
        Path data = null;
        int from = 0;
        int to = -1;
        int[] ks = {16, 32, 64, 128, 256};
        int[] ms = {1, 2, 4};
        List<Granularity> granularities = List.of(Granularity.PER_LAYER, Granularity.PER_KERNEL_COLUMN);
        long seed = WeightClustering.DEFAULT_SEED;
        int maxIterations = WeightKMeans.DEFAULT_MAX_ITERATIONS;
        boolean layers = false;
        List<Path> modelPaths = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--range" -> {
                    String[] r = args[++i].split("-");
                    from = Integer.parseInt(r[0]);
                    to = Integer.parseInt(r[1]);
                }
                case "--k" -> ks = ints(args[++i]);
                case "--m" -> ms = ints(args[++i]);
                case "--granularity" -> granularities = Arrays.stream(args[++i].split(","))
                        .map(g -> Arrays.stream(Granularity.values()).filter(x -> x.label().equals(g)).findFirst()
                                .orElseThrow(() -> new IllegalArgumentException("unknown granularity " + g
                                        + " (layer, column, out-column)")))
                        .toList();
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--max-iterations" -> maxIterations = Integer.parseInt(args[++i]);
                case "--layers" -> layers = true;
                case "-h", "--help" -> {
                    System.out.println("usage: ClusteringReport --data FILE [--range A-B] [--k 16,32,...] "
                            + "[--m 1,2,4] [--granularity layer,column,out-column] [--seed S] [--max-iterations N] "
                            + "[--layers] MODEL.onnx [MODEL2.onnx ...]");
                    return;
                }
                default -> {
                    if (args[i].startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + args[i]);
                    }
                    modelPaths.add(Path.of(args[i]));
                }
            }
        }
        if (data == null || modelPaths.isEmpty()) {
            throw new IllegalArgumentException("need --data FILE and at least one model (--help)");
        }
        if (to < 0) {
            to = (int) (Files.size(data) / RECORD) - 1;
        }
        run(System.out, data, from, to, ks, ms, granularities, seed, maxIterations, layers, modelPaths);
    }

    static void run(PrintStream out, Path data, int from, int to, int[] ks, int[] ms, List<Granularity> granularities,
                    long seed, int maxIterations, boolean layers, List<Path> modelPaths) throws IOException {
        Images images = readCifar(data, from, to);
        List<Model> models = new ArrayList<>();
        for (Path p : modelPaths) {
            models.add(Passes.standard(OnnxImporter.load(p)));
        }
        EnsembleClustering.requireSameArchitecture(models);
        int[] usableMs = Arrays.stream(ms).filter(m -> m <= models.size()).toArray();
        out.printf("# clustering report: %s, images %d-%d of %s, seed %d, k-means cap %d iterations%n",
                modelPaths, from, to, data.getFileName(), seed, maxIterations);
        out.printf("# (plaintext accuracy; clustering runs after Passes.standard(); encrypted timing is not measured: "
                + "the encrypted network does not use the clustered convolution yet)%n");
        for (int m : ms) {
            if (m > models.size()) {
                out.printf("# M = %d skipped: needs %d models, %d given%n", m, m, models.size());
            }
        }
        long t0 = System.nanoTime();
        double[][][] base = probabilities(models, images);
        out.printf("# unclustered: per-model accuracy %s (%.1f s)%n", Arrays.toString(IntStream.range(0,
                models.size()).mapToObj(j -> String.format("%.2f%%", 100 * accuracy(pick(base, j), 1,
                images.labels()))).toArray()), (System.nanoTime() - t0) / 1e9);
        ClusteredCost.Totals unclustered = ClusteredCost.of(models.subList(0, 1));
        StringBuilder header = new StringBuilder("| k |");
        StringBuilder rule = new StringBuilder("|---|");
        for (Granularity g : granularities) {
            header.append(" M=1 ").append(g.label()).append(" acc | mults | plaintexts |");
            rule.append("---|---|---|");
        }
        for (int m : usableMs) {
            header.append(" ensemble M=").append(m).append(" (joint, layer) acc | mults |");
            rule.append("---|---|");
        }
        List<String> rows = new ArrayList<>();
        StringBuilder none = new StringBuilder("| none |");
        for (Granularity g : granularities) {
            none.append(String.format(" %.2f%% | %d | %d |", 100 * accuracy(base, 1, images.labels()),
                    unclustered.multiplications(), unclustered.plaintexts()));
        }
        for (int m : usableMs) {
            none.append(String.format(" %.2f%% | %d |", 100 * accuracy(base, m, images.labels()),
                    ClusteredCost.of(models.subList(0, m)).multiplications()));
        }
        rows.add(none.toString());
        for (int k : ks) {
            StringBuilder row = new StringBuilder("| " + k + " |");
            double perLayerAccuracy = Double.NaN;
            long perLayerMults = -1;
            for (Granularity g : granularities) {
                long c0 = System.nanoTime();
                WeightClustering pass = new WeightClustering(k, g, seed, maxIterations);
                Model clustered = pass.apply(models.get(0));
                double clusterSeconds = (System.nanoTime() - c0) / 1e9;
                double acc = accuracy(probabilities(List.of(clustered), images), 1, images.labels());
                ClusteredCost.Totals cost = ClusteredCost.of(List.of(clustered));
                out.printf("# k=%d %s: accuracy %.2f%%, clustering %.1f s, total %.1f s%n", k, g.label(), 100 * acc,
                        clusterSeconds, (System.nanoTime() - c0) / 1e9);
                if (layers) {
                    for (LayerStats s : WeightClustering.compare(models.get(0), clustered)) {
                        out.println("#   " + s);
                    }
                }
                row.append(String.format(" %.2f%% | %d | %d |", 100 * acc, cost.multiplications(), cost.plaintexts()));
                if (g == Granularity.PER_LAYER) {
                    perLayerAccuracy = acc;
                    perLayerMults = cost.multiplications();
                }
            }
            for (int m : usableMs) {
                if (m == 1 && perLayerMults >= 0) {
                    // joint clustering of one member is per-layer clustering with the same seed
                    row.append(String.format(" %.2f%% | %d |", 100 * perLayerAccuracy, perLayerMults));
                    continue;
                }
                long c0 = System.nanoTime();
                List<Model> members = new EnsembleClustering(k, Granularity.PER_LAYER, seed, maxIterations)
                        .apply(models.subList(0, m));
                double acc = accuracy(probabilities(members, images), m, images.labels());
                out.printf("# k=%d ensemble M=%d: accuracy %.2f%%, %.1f s%n", k, m, 100 * acc,
                        (System.nanoTime() - c0) / 1e9);
                row.append(String.format(" %.2f%% | %d |", 100 * acc, ClusteredCost.of(members).multiplications()));
            }
            rows.add(row.toString());
        }
        out.println();
        out.println(header);
        out.println(rule);
        rows.forEach(out::println);
        out.printf("%nmults: plaintext multiplications per image of all convolutions in the per-channel layout with "
                + "the clustered convolution (the unclustered row: one per non-zero weight); plaintexts: weight "
                + "plaintexts to encode (distinct (tap, value) per layer). Total %.1f s.%n",
                (System.nanoTime() - t0) / 1e9);
    }

    private static double[][][] pick(double[][][] p, int member) {
        double[][][] out = new double[p.length][1][];
        for (int i = 0; i < p.length; i++) {
            out[i][0] = p[i][member];
        }
        return out;
    }
}
