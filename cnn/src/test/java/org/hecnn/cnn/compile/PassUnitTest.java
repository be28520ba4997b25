package org.hecnn.cnn.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hecnn.cnn.Random4Test;
import org.hecnn.cnn.model.Add;
import org.hecnn.cnn.model.AvgPool;
import org.hecnn.cnn.model.BatchNorm;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Shape;
import org.hecnn.cnn.model.ShortcutA;
import org.junit.jupiter.api.Test;

/** Each pass on small hand-built graphs: what it folds, what it must leave, and that the function is kept. */
class PassUnitTest {
    static final double TOL = 1e-9;
    static final Polynomial QUAD = Polynomial.of(193 / 1024.0, 0.5, 239 / 1024.0);
    final Random4Test r = new Random4Test(7);

    private static Model check(Pass p, Model before) {
        Model after = p.apply(before);
        Random4Test.assertEquivalent(before, after, TOL);
        return after;
    }

    @Test
    void batchNormFoldsIntoPrecedingConvAndLinear() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(3, 6, 6));
        b.add("conv", r.conv(4, 3, 3, 1, 1), "x");
        b.add("bn", r.batchNorm(4), "conv");
        b.add("act", QUAD, "bn");
        b.add("flat", new Flatten(), "act");
        b.add("fc", r.linear(5, 144), "flat");
        b.add("bn1d", r.batchNorm(5), "fc");
        b.add("fc2", r.linear(3, 5), "bn1d");
        Model after = check(new FoldBatchNormIntoConv(), b.build());
        assertEquals(0, after.nodesOf(BatchNorm.class).size(), after.describe());
        assertEquals("conv", after.node("act").input());
    }

    @Test
    void batchNormStaysWhenTheConvHasAnotherReader() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(2, 5, 5));
        b.add("conv", r.conv(2, 2, 3, 1, 1), "x");
        b.add("bn", r.batchNorm(2), "conv");
        b.add("sum", new Add(), "bn", "conv");
        b.add("act", QUAD, "sum");
        Model after = check(new FoldBatchNormIntoConv(), b.build());
        assertEquals(1, after.nodesOf(BatchNorm.class).size());
    }

    @Test
    void batchNormAfterAddFoldsIntoTheFollowingPolynomial() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(3, 5, 5));
        b.add("c1", r.conv(3, 3, 3, 1, 1), "x");
        b.add("sum", new Add(), "c1", "x");
        b.add("bn", r.batchNorm(3), "sum");
        b.add("act", QUAD, "bn");
        b.add("gap", GlobalAvgPool.AVERAGE, "act");
        Model after = check(new FoldBatchNormIntoNext(), b.build());
        assertEquals(0, after.nodesOf(BatchNorm.class).size());
        Polynomial p = (Polynomial) after.node("act").op();
        assertEquals(3, p.rows(), "BN folding makes the activation per-channel");
    }

    @Test
    void batchNormFoldsForwardIntoLinearThroughFlattenAndIntoUnpaddedConv() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(2, 4, 4));
        b.add("bn", r.batchNorm(2), "x");
        b.add("c1", r.conv(3, 2, 1, 1, 0), "bn");
        b.add("c2", r.conv(3, 2, 3, 2, 0), "bn");
        b.add("sum", new Add(), "c1", "c1");
        b.add("bn2", r.batchNorm(3), "c2");
        b.add("f", new Flatten(), "bn2");
        b.add("fc", r.linear(4, 3), "f");
        b.add("bnv", r.batchNorm(4), "fc");
        b.add("fc2", r.linear(2, 4), "bnv");
        b.add("bn3", r.batchNorm(3), "sum");
        b.add("f3", new Flatten(), "bn3");
        b.add("fc3", r.linear(2, 48), "f3");
        b.add("out", new Add(), "fc2", "fc3");
        Model before = b.build();
        // run the forward fold alone: every BatchNorm here has readers that can absorb it
        Model after = check(new FoldBatchNormIntoNext(), before);
        assertEquals(0, after.nodesOf(BatchNorm.class).size(), after.describe());
    }

    @Test
    void batchNormBeforeAPaddedConvStays() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(2, 4, 4));
        b.add("bn", r.batchNorm(2), "x");
        b.add("c", r.conv(3, 2, 3, 1, 1), "bn");
        Model after = check(new FoldBatchNormIntoNext(), b.build());
        assertEquals(1, after.nodesOf(BatchNorm.class).size(), "zero padding does not commute with the BN shift");
    }

    @Test
    void poolDivisorFoldsForwardThroughFlattenIntoLinear() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(2, 4, 4));
        b.add("act", QUAD, "x");
        b.add("pool", AvgPool.average(2, 2), "act");
        b.add("f", new Flatten(), "pool");
        b.add("fc", r.linear(3, 8), "f");
        b.add("gap", GlobalAvgPool.AVERAGE, "act");
        b.add("c", r.conv(3, 2, 1, 1, 0), "gap");
        b.add("f2", new Flatten(), "c");
        b.add("sum", new Add(), "fc", "f2");
        Model after = check(new FoldPoolDivisor(), b.build());
        assertTrue(((AvgPool) after.node("pool").op()).pureSum());
        assertTrue(((GlobalAvgPool) after.node("gap").op()).pureSum());
    }

    @Test
    void poolDivisorFoldsBackwardIntoTheProducingConv() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(2, 4, 4));
        b.add("c", r.conv(3, 2, 3, 1, 1), "x");
        b.add("pool", AvgPool.average(2, 2), "c");
        b.add("act", QUAD, "pool");
        Model after = check(new FoldPoolDivisor(), b.build());
        assertTrue(((AvgPool) after.node("pool").op()).pureSum());
    }

    @Test
    void poolBetweenActivationsKeepsItsDivisor() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(2, 4, 4));
        b.add("a1", QUAD, "x");
        b.add("pool", AvgPool.average(2, 2), "a1");
        b.add("a2", QUAD, "pool");
        Model after = check(new FoldPoolDivisor(), b.build());
        assertEquals(0.25, ((AvgPool) after.node("pool").op()).scale());
    }

    @Test
    void redistributionMakesX2CoefficientsOneWithNegativeAndPerChannelC2() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(2, 5, 5));
        b.add("c1", r.conv(3, 2, 3, 1, 1), "x");
        b.add("a1", Polynomial.perChannel(new double[][] {{0.1, 0.5, 0.25}, {0.0, 1.0, -0.5}, {0.2, 0.3, 2.0}}), "c1");
        b.add("c2", r.conv(3, 3, 3, 1, 1), "a1");
        b.add("a2", Polynomial.of(0.1, -0.2, 0.3, 0.05), "c2");
        b.add("pool", AvgPool.average(5, 5), "a2");
        b.add("f", new Flatten(), "pool");
        b.add("fc", r.linear(4, 3), "f");
        b.add("a3", Polynomial.of(0.0, 1.0, 0.125), "fc");
        b.add("fc2", r.linear(2, 4), "a3");
        Model after = check(new RedistributeWeights(), b.build());
        assertMonic(after);
    }

    @Test
    void residualJoinWithShortcutsStaysBoundedOverManyBlocks() {
        // 30 identity blocks: without the 1/c2 fixed point the residual stream's scale would follow s' = c2 s^2
        Model.Builder b = Model.builder("deep").input("x", Shape.map(2, 4, 4));
        // small weights keep the plaintext values inside the activation's attracting range for 30 blocks
        String cur = b.add("stem", Conv2d.of(r.gaussian(0.1, 4, 2, 3, 3), null, 1, 1), "x");
        cur = b.add("a0", QUAD, cur);
        for (int k = 0; k < 30; k++) {
            b.add("b" + k + "c1", Conv2d.of(r.gaussian(0.05, 4, 4, 3, 3), null, 1, 1), cur);
            b.add("b" + k + "a", QUAD, "b" + k + "c1");
            b.add("b" + k + "c2", Conv2d.of(r.gaussian(0.05, 4, 4, 3, 3), null, 1, 1), "b" + k + "a");
            b.add("b" + k + "sum", new Add(), "b" + k + "c2", cur);
            cur = b.add("b" + k + "out", QUAD, "b" + k + "sum");
        }
        b.add("down", new ShortcutA(2, 2, 2), cur);
        b.add("gap", new GlobalAvgPool(1.0), "down");
        b.add("f", new Flatten(), "gap");
        b.add("fc", r.linear(3, 8), "f");
        Model before = b.build();
        Model after = check(new RedistributeWeights(), before);
        assertMonic(after);
        for (Node n : after.nodesOf(Polynomial.class)) {
            Polynomial p = (Polynomial) n.op();
            for (int c = 0; c < n.shape().channels(); c++) {
                for (int k = 0; k <= p.degree(); k++) {
                    assertTrue(Math.abs(p.coefficient(c, k)) < 10, n + " coefficient " + p.coefficient(c, k));
                }
            }
        }
    }

    @Test
    void residualJoinOfTwoActivationsWithDifferentC2Fails() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(2, 4, 4));
        b.add("a", Polynomial.of(0, 1, 0.5), "x");
        b.add("b", Polynomial.of(0, 1, 0.25), "x");
        b.add("sum", new Add(), "a", "b");
        b.add("f", new Flatten(), "sum");
        b.add("fc", r.linear(2, 32), "f");
        CompilationException e = assertThrows(CompilationException.class,
                () -> new RedistributeWeights().apply(b.build()));
        assertTrue(e.getMessage().contains("'sum'"), e.getMessage());
    }

    @Test
    void bothBranchesConvolutionsTakeTheActivationsFixedPoint() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(2, 4, 4));
        b.add("c1", r.conv(4, 2, 3, 2, 1), "x");
        b.add("c2", r.conv(4, 2, 1, 2, 0), "x");
        b.add("sum", new Add(), "c1", "c2");
        b.add("a", QUAD, "sum");
        b.add("f", new Flatten(), "a");
        b.add("fc", r.linear(2, 16), "f");
        Model after = check(new RedistributeWeights(), b.build());
        Polynomial p = (Polynomial) after.node("a").op();
        assertTrue(p.shared());
        assertEquals(0.5, p.coefficient(0, 1), 1e-15, "x^2 + c1 x + c0 c2 at the fixed point");
        assertEquals(193 / 1024.0 * 239 / 1024.0, p.coefficient(0, 0), 1e-15);
    }

    @Test
    void theEquivalenceCheckDetectsABrokenPass() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(2, 4, 4));
        b.add("c", r.conv(3, 2, 3, 1, 1), "x");
        b.add("bn", r.batchNorm(3), "c");
        Model before = b.build();
        java.util.function.UnaryOperator<Model> forgetsBeta = m -> {
            GraphEditor g = new GraphEditor(m);
            BatchNorm bn = (BatchNorm) g.op("bn");
            g.replace("c", FoldBatchNormIntoConv.fold(g.op("c"), new BatchNorm(bn.gamma(), bn.mean().map(v -> 0),
                    bn.mean(), bn.variance(), bn.epsilon())));
            g.bypass("bn");
            return g.build();
        };
        assertThrows(AssertionError.class, () -> Random4Test.assertEquivalent(before, forgetsBeta.apply(before), TOL));
        Model good = new FoldBatchNormIntoConv().apply(before);
        assertInstanceOf(Conv2d.class, good.output().op());
        Random4Test.assertEquivalent(before, good, TOL);
    }

    @Test
    void passesRunOnAModelWithNothingToDo() {
        Model.Builder b = Model.builder("t").input("x", Shape.vector(4));
        b.add("fc", r.linear(2, 4), "x");
        Model m = b.build();
        for (Pass p : Passes.standard()) {
            Random4Test.assertEquivalent(m, p.apply(m), 0);
        }
    }

    private static void assertMonic(Model m) {
        for (Node n : m.nodesOf(Polynomial.class)) {
            Polynomial p = (Polynomial) n.op();
            for (int c = 0; c < n.shape().channels(); c++) {
                assertEquals(1.0, p.coefficient(c, 2), n.toString());
            }
        }
        assertInstanceOf(Linear.class, m.output().op());
    }
}
