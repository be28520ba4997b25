package org.hecnn.inference.cluster;

import org.hecnn.inference.ClusteredPerChannelConvolution;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.hecnn.cnn.cluster.Granularity;
import org.hecnn.cnn.cluster.WeightClustering;
import org.hecnn.cnn.compile.Passes;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.Layout;
import org.hecnn.inference.PlaintextBank;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report tool and the weight-only cost on the exported training_wide8 model (3×32×32, widths 2/4/8). */
class ClusteringReportTest {
    static byte[] resource(String name) throws IOException {
        try (InputStream in = ClusteringReportTest.class.getResourceAsStream("/models/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void costFromWeightsMatchesThePlannedConvolutions() throws IOException {
        Model m = Passes.standard(OnnxImporter.parse(resource("training_wide8.onnx"), "training_wide8"));
        for (int k : new int[] {4, 1 << 20}) {
            Model clustered = new WeightClustering(k, Granularity.PER_LAYER).apply(m);
            long planned = 0;
            long plaintexts = 0;
            for (Node n : clustered.nodesOf(Conv2d.class)) {
                Conv2d c = (Conv2d) n.op();
                var inShape = clustered.node(n.input()).shape();
                var grid = Layout.PER_CHANNEL.grid(1024, inShape.height(), inShape.width());
                FeatureMap in = new FeatureMap(grid, c.inChannels(), inShape.height(), inShape.width(), 1);
                FeatureMap out = new FeatureMap(grid, c.outChannels(), n.shape().height(), n.shape().width(),
                        c.strideH());
                double[][][][] w = new double[c.outChannels()][c.inChannels()][c.kernelH()][c.kernelW()];
                for (int o = 0; o < w.length; o++) {
                    for (int i = 0; i < w[0].length; i++) {
                        for (int y = 0; y < c.kernelH(); y++) {
                            for (int x = 0; x < c.kernelW(); x++) {
                                w[o][i][y][x] = c.weight().at(o, i, y, x);
                            }
                        }
                    }
                }
                ClusteredPerChannelConvolution cc = new ClusteredPerChannelConvolution(null, w, null, c.strideH(),
                        c.padTop(), c.padLeft(), in, out, 1, 1, 1, PlaintextBank.Mode.PLAN_ONLY);
                planned += cc.counts().plainMultiplications();
                plaintexts += cc.plaintextCount();
            }
            ClusteredCost.Totals t = ClusteredCost.of(List.of(clustered));
            assertEquals(planned, t.multiplications(), "k=" + k);
            assertEquals(plaintexts, t.plaintexts(), "k=" + k);
            if (k == 4) {
                assertTrue(t.multiplications() < t.weights());
            } else {
                assertEquals(t.weights(), ClusteredCost.of(List.of(m)).weights());
            }
        }
    }

    @Test
    void reportPrintsATableForEachGranularityAndEnsembleSize(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("wide8.onnx");
        Files.write(model, resource("training_wide8.onnx"));
        Random r = new Random(4);
        byte[] cifar = new byte[6 * ClusteringReport.RECORD];
        r.nextBytes(cifar);
        for (int i = 0; i < 6; i++) {
            cifar[i * ClusteringReport.RECORD] = (byte) r.nextInt(10);
        }
        Path data = dir.resolve("images.bin");
        Files.write(data, cifar);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ClusteringReport.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), data, 1, 4, new int[] {2, 8},
                new int[] {1, 2, 4}, List.of(Granularity.PER_LAYER, Granularity.PER_KERNEL_COLUMN), 1, 50, false,
                List.of(model, model));
        String out = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertTrue(out.contains("M = 4 skipped: needs 4 models, 2 given"), out);
        assertTrue(out.contains("| k | M=1 layer acc | mults | plaintexts | M=1 column acc | mults | plaintexts |"
                + " ensemble M=1 (joint, layer) acc | mults | ensemble M=2 (joint, layer) acc | mults |"), out);
        assertTrue(out.contains("\n| none |") && out.contains("\n| 2 |") && out.contains("\n| 8 |"), out);
        // two identical members: the ensemble's accuracy is the single model's
        for (String line : out.split("\n")) {
            if (line.startsWith("| 2 |") || line.startsWith("| none |")) {
                String[] cells = line.split("\\|");
                assertEquals(cells[2].strip(), cells[10].strip(), line);
            }
        }
    }
}
