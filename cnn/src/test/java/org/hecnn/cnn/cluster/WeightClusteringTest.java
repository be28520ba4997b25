package org.hecnn.cnn.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.hecnn.cnn.Fixtures;
import org.hecnn.cnn.compile.GraphEditor;
import org.hecnn.cnn.compile.Pass;
import org.hecnn.cnn.compile.Passes;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.junit.jupiter.api.Test;

/** Clustering on the exported training_resnet8 fixture (CifarResNet(8), widths 4/8/16, after the standard passes). */
class WeightClusteringTest {
    static final String FIXTURE = "training_resnet8";
    static final Model COMPILED = Passes.standard(Fixtures.model(FIXTURE));

    private static List<Conv2d> convs(Model m) {
        return m.nodesOf(Conv2d.class).stream().map(n -> (Conv2d) n.op()).toList();
    }

    private static int distinct(Tensor t) {
        Set<Double> s = new HashSet<>();
        for (int i = 0; i < t.size(); i++) {
            s.add(t.get(i));
        }
        return s.size();
    }

    /** Distinct values of w[*][*][*][x] (column x) or w[o][*][*][x]. */
    private static int distinctInColumn(Tensor w, int o, int x) {
        Set<Double> s = new HashSet<>();
        int kw = w.dim(3);
        int perOutput = w.size() / w.dim(0);
        for (int i = 0; i < w.size(); i++) {
            if (i % kw == x && (o < 0 || i / perOutput == o)) {
                s.add(w.get(i));
            }
        }
        return s.size();
    }

    /** The fixture input and 15 seeded random images (N(0, 1) pixels, as normalised images are). */
    static final List<Tensor> INPUTS = inputs();

    private static List<Tensor> inputs() {
        List<Tensor> in = new ArrayList<>();
        in.add(Fixtures.input(FIXTURE));
        Random r = new Random(5);
        for (int i = 0; i < 15; i++) {
            in.add(in.get(0).map(x -> r.nextGaussian()));
        }
        return in;
    }

    /** Mean over {@link #INPUTS} of ‖Δ logits‖₂ / ‖logits‖₂. */
    private static double outputError(Model clustered) {
        double sum = 0;
        for (Tensor in : INPUTS) {
            double[] ref = PlainEvaluator.evaluate(COMPILED, in).toArray();
            double[] out = PlainEvaluator.evaluate(clustered, in).toArray();
            double num = 0;
            double den = 0;
            for (int i = 0; i < ref.length; i++) {
                num += (out[i] - ref[i]) * (out[i] - ref[i]);
                den += ref[i] * ref[i];
            }
            sum += Math.sqrt(num / den);
        }
        return sum / INPUTS.size();
    }

    @Test
    void everyLayerHasAtMostKDistinctValuesPerCodebook() {
        int k = 4;
        Model perLayer = new WeightClustering(k, Granularity.PER_LAYER).apply(COMPILED);
        Model perColumn = new WeightClustering(k, Granularity.PER_KERNEL_COLUMN).apply(COMPILED);
        Model perOutColumn = new WeightClustering(k, Granularity.PER_OUTPUT_KERNEL_COLUMN).apply(COMPILED);
        List<Conv2d> before = convs(COMPILED);
        assertTrue(before.size() >= 7, "fixture has " + before.size() + " convolutions");
        for (int l = 0; l < before.size(); l++) {
            assertTrue(distinct(before.get(l).weight()) > k, "fixture layer " + l + " is already clustered");
            Tensor a = convs(perLayer).get(l).weight();
            assertTrue(distinct(a) <= k, "layer " + l + ": " + distinct(a));
            Tensor c = convs(perColumn).get(l).weight();
            Tensor oc = convs(perOutColumn).get(l).weight();
            int kw = c.dim(3);
            assertTrue(distinct(c) <= k * kw);
            for (int x = 0; x < kw; x++) {
                assertTrue(distinctInColumn(c, -1, x) <= k, "layer " + l + " column " + x);
                for (int o = 0; o < oc.dim(0); o++) {
                    assertTrue(distinctInColumn(oc, o, x) <= k, "layer " + l + " output " + o + " column " + x);
                }
            }
            // biases are not clustered
            assertEquals(before.get(l).bias(), convs(perLayer).get(l).bias());
        }
        // statistics agree
        for (LayerStats s : WeightClustering.compare(COMPILED, perLayer)) {
            assertTrue(s.distinctAfter() <= k && s.distinctBefore() > k, s.toString());
            assertTrue(s.maxAbsChange() > 0, s.toString());
        }
        Map<String, Integer> after = WeightClustering.distinctWeights(perLayer);
        assertEquals(before.size(), after.size());
        after.values().forEach(v -> assertTrue(v <= k));
        // everything but the convolution weights is unchanged
        assertEquals(COMPILED.nodes().size(), perLayer.nodes().size());
        for (int i = 0; i < COMPILED.nodes().size(); i++) {
            Node a = COMPILED.nodes().get(i);
            Node b = perLayer.nodes().get(i);
            assertEquals(a.name(), b.name());
            assertEquals(a.shape(), b.shape());
            if (!(a.op() instanceof Conv2d)) {
                assertEquals(a.op(), b.op());
            }
        }
    }

    @Test
    void kAtLeastTheDistinctCountLeavesTheModelUnchanged() {
        int most = WeightClustering.distinctWeights(COMPILED).values().stream().mapToInt(Integer::intValue).max()
                .orElseThrow();
        for (Granularity g : Granularity.values()) {
            Model same = new WeightClustering(most, g).apply(COMPILED);
            List<Conv2d> a = convs(COMPILED);
            List<Conv2d> b = convs(same);
            for (int l = 0; l < a.size(); l++) {
                assertEquals(a.get(l).weight(), b.get(l).weight(), g + " layer " + l);
            }
            assertEquals(0.0, outputError(same), g.toString());
        }
        // and clustering an already clustered model with the same k changes nothing
        Model once = new WeightClustering(8, Granularity.PER_LAYER).apply(COMPILED);
        Model twice = new WeightClustering(8, Granularity.PER_LAYER).apply(once);
        for (int l = 0; l < convs(once).size(); l++) {
            assertEquals(convs(once).get(l).weight(), convs(twice).get(l).weight());
        }
    }

    @Test
    void outputErrorIsBoundedAndShrinksAsKGrows() {
        int[] ks = {4, 8, 16, 32, 64, 128};
        for (Granularity g : new Granularity[] {Granularity.PER_LAYER, Granularity.PER_KERNEL_COLUMN}) {
            double[] err = new double[ks.length];
            for (int i = 0; i < ks.length; i++) {
                err[i] = outputError(new WeightClustering(ks[i], g).apply(COMPILED));
            }
            System.out.printf("%s: relative logit error for k=%s: %s%n", g, java.util.Arrays.toString(ks),
                    java.util.Arrays.toString(err));
            for (int i = 1; i < ks.length; i++) {
                assertTrue(err[i] < err[i - 1], g + ": error does not shrink from k=" + ks[i - 1] + " to k=" + ks[i]
                        + ": " + java.util.Arrays.toString(err));
            }
            // bounded: a few percent at k = 4, well under one percent at k = 128
            assertTrue(err[0] < 0.2, g + ": k=4 error " + err[0]);
            assertTrue(err[ks.length - 1] < 0.005, g + ": k=128 error " + err[ks.length - 1]);
            assertTrue(err[0] > 0, g.toString());
        }
    }

    @Test
    void weightChangeIsBoundedByTheCodebookSpacing() {
        // 1-D k-means: every weight goes to the mean of a contiguous run of sorted values, so |w − c(w)| is less
        // than the layer's range; with more clusters the largest change does not grow.
        for (int k : new int[] {4, 16}) {
            for (LayerStats s : WeightClustering.compare(COMPILED,
                    new WeightClustering(k, Granularity.PER_LAYER).apply(COMPILED))) {
                assertTrue(s.maxAbsChange() > 0 && s.rmsChange() <= s.maxAbsChange(), s.toString());
            }
        }
        List<LayerStats> k4 = WeightClustering.compare(COMPILED,
                new WeightClustering(4, Granularity.PER_LAYER).apply(COMPILED));
        List<LayerStats> k32 = WeightClustering.compare(COMPILED,
                new WeightClustering(32, Granularity.PER_LAYER).apply(COMPILED));
        for (int l = 0; l < k4.size(); l++) {
            double range = convs(COMPILED).get(l).weight().maxAbs() * 2;
            assertTrue(k4.get(l).maxAbsChange() < range / 2, k4.get(l).toString());
            assertTrue(k32.get(l).rmsChange() < k4.get(l).rmsChange(), k32.get(l) + " vs " + k4.get(l));
        }
    }

    @Test
    void deterministicForAFixedSeed() {
        for (Granularity g : new Granularity[] {Granularity.PER_LAYER, Granularity.PER_KERNEL_COLUMN}) {
            Model a = new WeightClustering(16, g, 7, 100).apply(COMPILED);
            Model b = new WeightClustering(16, g, 7, 100).apply(COMPILED);
            for (int l = 0; l < convs(a).size(); l++) {
                assertEquals(convs(a).get(l).weight(), convs(b).get(l).weight(), g + " layer " + l);
            }
        }
        // the seed matters (k-means++ picks other initial centres), at least somewhere in the network
        Model a = new WeightClustering(16, Granularity.PER_LAYER, 1, 100).apply(COMPILED);
        Model b = new WeightClustering(16, Granularity.PER_LAYER, 2, 100).apply(COMPILED);
        boolean differ = false;
        for (int l = 0; l < convs(a).size(); l++) {
            differ |= !convs(a).get(l).weight().equals(convs(b).get(l).weight());
        }
        assertTrue(differ);
    }

    @Test
    void afterStandardIsTheStandardPassesThenClustering() {
        List<Pass> passes = ClusteringPasses.afterStandard(8, Granularity.PER_KERNEL_COLUMN);
        List<Pass> standard = Passes.standard();
        assertEquals(standard.size() + 1, passes.size());
        for (int i = 0; i < standard.size(); i++) {
            assertEquals(standard.get(i).name(), passes.get(i).name());
        }
        assertEquals("weight-clustering-column-k8", passes.get(passes.size() - 1).name());
        Model m = Passes.run(Fixtures.model(FIXTURE), passes);
        Model expected = new WeightClustering(8, Granularity.PER_KERNEL_COLUMN).apply(COMPILED);
        for (int l = 0; l < convs(m).size(); l++) {
            assertEquals(convs(expected).get(l).weight(), convs(m).get(l).weight());
        }
    }

    @Test
    void kMeansIsExactOnFewDistinctValuesAndReturnsMeans() {
        double[][] pts = {{1}, {2}, {1}, {3}};
        WeightKMeans.Result same = WeightKMeans.cluster(pts, 3, 1, 10);
        for (int i = 0; i < pts.length; i++) {
            assertEquals(pts[i][0], same.centroidOf(i)[0]);
        }
        double[][] two = {{0}, {0.1}, {0.2}, {10}, {10.2}};
        WeightKMeans.Result r = WeightKMeans.cluster(two, 2, 1, 10);
        assertEquals(2, r.centroids().length);
        assertEquals(0.1, r.centroidOf(0)[0], 1e-15);
        assertEquals(10.1, r.centroidOf(4)[0], 1e-15);
        assertThrows(IllegalArgumentException.class, () -> WeightKMeans.cluster(two, 0, 1, 10));
    }

    // ---- ensembles ----

    /** The compiled fixture with every convolution weight multiplied by (1 + 0.2·N(0,1)), seeded. */
    static Model perturbed(Model m, long seed) {
        Random r = new Random(seed);
        GraphEditor g = new GraphEditor(m);
        for (String n : g.names()) {
            if (g.op(n) instanceof Conv2d c) {
                g.replace(n, c.withParameters(c.weight().map(w -> w * (1 + 0.2 * r.nextGaussian())), c.bias()));
            }
        }
        return g.build();
    }

    @Test
    void ensembleClusteringSharesOneIndexPerWeightAcrossMembers() {
        List<Model> members = List.of(COMPILED, perturbed(COMPILED, 1), perturbed(COMPILED, 2));
        int k = 8;
        List<Model> out = new EnsembleClustering(k, Granularity.PER_LAYER).apply(members);
        assertEquals(3, out.size());
        for (LayerStats s : EnsembleClustering.compare(members, out)) {
            assertTrue(s.distinctBefore() > k && s.distinctAfter() <= k, s.toString());
        }
        for (int l = 0; l < convs(COMPILED).size(); l++) {
            List<Tensor> w = new ArrayList<>();
            for (Model m : out) {
                w.add(convs(m).get(l).weight());
                assertTrue(distinct(convs(m).get(l).weight()) <= k);
            }
            // one cluster index per position: equal tuples wherever member 0's tuples are equal
            Set<List<Double>> tuples = new HashSet<>();
            for (int i = 0; i < w.get(0).size(); i++) {
                tuples.add(List.of(w.get(0).get(i), w.get(1).get(i), w.get(2).get(i)));
            }
            assertTrue(tuples.size() <= k, "layer " + l + ": " + tuples.size() + " tuples");
        }
        // M = 1 is the single-model pass
        Model single = new EnsembleClustering(k, Granularity.PER_KERNEL_COLUMN).apply(List.of(COMPILED)).get(0);
        Model pass = new WeightClustering(k, Granularity.PER_KERNEL_COLUMN).apply(COMPILED);
        for (int l = 0; l < convs(single).size(); l++) {
            assertEquals(convs(pass).get(l).weight(), convs(single).get(l).weight());
        }
        // deterministic
        List<Model> again = new EnsembleClustering(k, Granularity.PER_LAYER).apply(members);
        for (int j = 0; j < members.size(); j++) {
            for (int l = 0; l < convs(COMPILED).size(); l++) {
                assertEquals(convs(out.get(j)).get(l).weight(), convs(again.get(j)).get(l).weight());
            }
        }
        assertNotEquals(convs(out.get(0)).get(0).weight(), convs(out.get(1)).get(0).weight());
    }

    @Test
    void ensembleOfDifferentArchitecturesIsRefused() {
        Model other = Passes.standard(Fixtures.model("training_wide8"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EnsembleClustering(4, Granularity.PER_LAYER).apply(List.of(COMPILED, other)));
        assertTrue(e.getMessage().contains("differ"), e.getMessage());
    }

    @Test
    void ensembleAfterStandardRunsThePassesOnEachMember() {
        Model raw = Fixtures.model(FIXTURE);
        List<Model> out = ClusteringPasses.ensembleAfterStandard(List.of(raw, raw), 4, Granularity.PER_LAYER, 3);
        Model pass = new WeightClustering(4, Granularity.PER_LAYER, 3, WeightKMeans.DEFAULT_MAX_ITERATIONS)
                .apply(COMPILED);
        for (Model m : out) {
            for (int l = 0; l < convs(m).size(); l++) {
                // two identical members: the 2-D points lie on the diagonal, same clusters as 1-D up to rounding
                Tensor a = convs(m).get(l).weight();
                Tensor b = convs(pass).get(l).weight();
                assertTrue(a.maxAbsDiff(b) <= 1e-12 * b.maxAbs(), "layer " + l + ": " + a.maxAbsDiff(b));
            }
        }
    }
}
