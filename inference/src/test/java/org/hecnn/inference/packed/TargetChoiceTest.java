package org.hecnn.inference.packed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hecnn.inference.UnsupportedNetworkException;
import java.nio.file.Path;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.junit.jupiter.api.Test;

/**
 * The compiler's default precision choice on the shipped models: separate rescales where they fit the ring tower
 * reuse needs (ResNet-20), tower reuse where they do not, and the planner's error where neither fits (ResNet-32).
 */
class TargetChoiceTest {
    private static Model prepared(String file) {
        return NetworkCompiler.prepare(OnnxImporter.load(Path.of("../models", file)));
    }

    @Test
    void resnet20GetsSeparateRescalesAtTheRingTowerReuseNeeds() {
        Model m = prepared("resnet20_quad.onnx");
        NetworkCompiler.TargetChoice c = NetworkCompiler.chooseTargets(m);
        assertTrue(c.targets().separateRescales(), c.reason());
        assertEquals(PrecisionTargets.precise(), c.targets());
        assertEquals(NetworkCompiler.plannedParameters(m, PrecisionTargets.standard()).logN(),
                NetworkCompiler.plannedParameters(m, c.targets()).logN());
        assertTrue(c.reason().startsWith("separate rescales"), c.reason());
    }

    @Test
    void aNetworkTooDeepForSeparateRescalesGetsTowerReuseOrThePlannersError() {
        // ResNet-32 (31 activation levels) fits neither at 128-bit security: the choice fails like tower reuse.
        Model deep = prepared("resnet32_quad.onnx");
        UnsupportedNetworkException e = assertThrows(UnsupportedNetworkException.class,
                () -> NetworkCompiler.chooseTargets(deep));
        assertTrue(e.getMessage().contains("activation levels"), e.getMessage());
        // 26 levels: tower reuse fits N = 2^16 (61 + 26 x 60 + 2 x 61 = 1743 bits), separate rescales (61 + 39 + 26 x 60
        // + 2 x 61 = 1782) do not, so the choice is tower reuse and says why.
        NetworkCompiler.TargetChoice c = NetworkCompiler.chooseTargets(26, 1024);
        assertEquals(PrecisionTargets.standard(), c.targets());
        assertTrue(c.reason().startsWith("tower reuse (separate rescales do not fit"), c.reason());
        assertEquals(PrecisionTargets.precise(), NetworkCompiler.chooseTargets(25, 1024).targets());
        assertFalse(PrecisionTargets.standard().separateRescales());
    }
}
