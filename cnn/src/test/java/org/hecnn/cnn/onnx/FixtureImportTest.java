package org.hecnn.cnn.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hecnn.cnn.Fixtures;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Every committed fixture imports and its plaintext output matches PyTorch's. */
class FixtureImportTest {
    static final java.util.List<String> ALL = Fixtures.ALL;

    @ParameterizedTest
    @FieldSource("ALL")
    void matchesPyTorch(String name) {
        Model m = Fixtures.model(name);
        System.out.print(m.describe());
        Tensor out = PlainEvaluator.evaluate(m, Fixtures.input(name));
        Tensor exp = Fixtures.expected(name);
        Tensor t32 = Fixtures.torch32(name);
        double scale = Math.max(1, exp.maxAbs());
        double d64 = out.maxAbsDiff(exp);
        double d32 = out.maxAbsDiff(t32);
        System.out.printf("%s: |java - torch64| = %.3e, |java - torch32| = %.3e%n", name, d64, d32);
        boolean fusedByTorch = name.endsWith("_fused");
        assertTrue(d64 <= (fusedByTorch ? 1e-6 : 1e-11) * scale, name + ": differs from float64 PyTorch by " + d64);
        assertTrue(d32 <= 1e-6 * scale, name + ": differs from float32 PyTorch by " + d32);
        assertEquals(exp.argMax(), out.argMax());
        assertEquals(!name.equals("relu_net"), m.heCompatible());
    }
}
