package org.hecnn.cnn.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.hecnn.cnn.Fixtures;
import org.hecnn.cnn.Random4Test;
import org.hecnn.cnn.model.AvgPool;
import org.hecnn.cnn.model.BatchNorm;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The standard passes on every exported fixture: each pass preserves the model's function. */
class PassFixtureTest {
    static final List<String> ALL = Fixtures.ALL;
    static final double TOL = 1e-9;

    @ParameterizedTest
    @FieldSource("ALL")
    void eachPassPreservesTheFunction(String name) {
        Model original = Fixtures.model(name);
        Model m = original;
        for (Pass p : Passes.standard()) {
            Model next = p.apply(m);
            Random4Test.assertEquivalent(m, next, TOL);
            m = next;
        }
        Random4Test.assertEquivalent(original, m, TOL);
        // still PyTorch's answer on the fixture input (torch folded the _fused fixture's BN in float32)
        Tensor out = PlainEvaluator.evaluate(m, Fixtures.input(name));
        Tensor exp = Fixtures.expected(name);
        double tol = name.endsWith("_fused") ? 1e-6 : 1e-9;
        assertTrue(out.maxAbsDiff(exp) <= tol * Math.max(1, exp.maxAbs()), name + ": " + out.maxAbsDiff(exp));
    }

    @ParameterizedTest
    @FieldSource("ALL")
    void standardPassesReachTheTargetForm(String name) {
        Model m = Passes.standard(Fixtures.model(name));
        // BatchNorms: all folded, except poly_mix's BN on the raw input, which feeds a padded convolution
        int bns = m.nodesOf(BatchNorm.class).size();
        assertEquals(name.equals("poly_mix") ? 1 : 0, bns, name + ":\n" + m.describe());
        for (Node n : m.nodes()) {
            if (n.op() instanceof AvgPool p) {
                assertTrue(p.pureSum(), n.toString());
            }
            if (n.op() instanceof GlobalAvgPool p) {
                assertTrue(p.pureSum(), n.toString());
            }
            if (n.op() instanceof Polynomial p && p.degree() >= 2) {
                for (int c = 0; c < n.shape().channels(); c++) {
                    assertEquals(1.0, p.coefficient(c, 2), n.toString());
                }
            }
        }
        if (name.startsWith("resnet") || name.startsWith("training")) {
            // one shared activation c2 x^2 + c1 x + c0: every residual stream sits at the fixed point 1/c2 and
            // every activation becomes x^2 + c1 x + c0 c2 (nothing compounds from block to block)
            double c2 = 239 / 1024.0;
            double c1 = 0.5;
            double c0 = 193 / 1024.0;
            for (Node n : m.nodesOf(Polynomial.class)) {
                Polynomial p = (Polynomial) n.op();
                assertTrue(p.shared(), n.toString());
                assertEquals(c0 * c2, p.coefficient(0, 0), 1e-15, n.toString());
                assertEquals(c1, p.coefficient(0, 1), 1e-15, n.toString());
            }
        }
    }
}
