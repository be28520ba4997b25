package org.hecnn.cnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The fingerprint changes with anything a model computes and only with that. */
class ModelFingerprintTest {
    private static Model model(String name, double weight, int stride, CertifiedRange range) {
        double[] w = new double[4 * 3 * 3 * 3];
        Arrays.fill(w, 0.25);
        w[7] = weight;
        Model.Builder b = Model.builder(name).input("x", Shape.map(3, 8, 8));
        b.add("c1", Conv2d.of(Tensor.of(w, 4, 3, 3, 3), null, stride, 1), "x");
        b.add("gap", GlobalAvgPool.AVERAGE, "c1");
        b.add("f", new Flatten(), "gap");
        b.add("fc", Linear.of(Tensor.zeros(2, 4), null), "f");
        return b.build().withCertifiedRange(range);
    }

    @Test
    void sameComputationSameFingerprintWhateverTheName() {
        assertArrayEquals(model("a", 0.5, 1, null).fingerprint(), model("b", 0.5, 1, null).fingerprint());
        assertEquals(32, model("a", 0.5, 1, null).fingerprint().length);
    }

    @Test
    void anyWeightBitOrParameterChangesIt() {
        byte[] base = model("a", 0.5, 1, null).fingerprint();
        assertFalse(Arrays.equals(base, model("a", Math.nextUp(0.5), 1, null).fingerprint()));
        assertFalse(Arrays.equals(base, model("a", 0.5, 2, null).fingerprint()));
        assertFalse(Arrays.equals(base, model("a", 0.5, 1,
                new CertifiedRange(10, "test", new double[] {1.5}, 3.0)).fingerprint()));
        assertFalse(Arrays.equals(model("a", 0.0, 1, null).fingerprint(), model("a", -0.0, 1, null).fingerprint()),
                "negative zero is another weight bit pattern");
    }
}
