package org.hecnn.cnn.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hecnn.cnn.compile.Passes;
import org.hecnn.cnn.model.CertifiedRange;
import org.hecnn.cnn.model.Model;
import org.junit.jupiter.api.Test;

/** The certified range stored by training.certify travels from the ONNX metadata into the model and its passes. */
class RangeMetadataTest {
    private static OnnxBuilder conv() {
        return OnnxBuilder.image(3, 5, 5).conv("conv0", 3).output("c", 1, 2, 5, 5);
    }

    @Test
    void aCertifiedModelCarriesItsRangeThroughThePasses() {
        Model m = OnnxImporter.parse(conv().metadata("hecnn.range.images", "56170")
                .metadata("hecnn.range.sources", "train_jpeg_q75:50000,test_lossless:500")
                .metadata("hecnn.range.activation_input_max_abs", "3.25, 4.5")
                .metadata("hecnn.range.output_max_abs", "17.5").bytes(), "t");
        CertifiedRange r = m.certifiedRange().orElseThrow();
        assertEquals(56170, r.images());
        assertArrayEquals(new double[] {3.25, 4.5}, r.activationInputMaxAbs());
        assertEquals(35.0, r.outputBound());
        assertEquals(r, Passes.standard(m).certifiedRange().orElseThrow(), "passes keep the range");
        assertEquals(r, m.toBuilder().build().certifiedRange().orElseThrow());
    }

    @Test
    void aModelWithoutMetadataHasNoCertificate() {
        assertFalse(OnnxImporter.parse(conv().metadata("other", "x").bytes(), "t").certifiedRange().isPresent());
    }

    @Test
    void incompleteOrUnparsableRangesAreMalformedModels() {
        MalformedModelException missing = assertThrows(MalformedModelException.class, () -> OnnxImporter.parse(
                conv().metadata("hecnn.range.images", "10").bytes(), "t"));
        assertTrue(missing.getMessage().contains("hecnn.range.activation_input_max_abs is missing"), missing.getMessage());
        MalformedModelException bad = assertThrows(MalformedModelException.class, () -> OnnxImporter.parse(
                conv().metadata("hecnn.range.images", "10").metadata("hecnn.range.activation_input_max_abs", "1,x")
                        .metadata("hecnn.range.output_max_abs", "3").bytes(), "t"));
        assertTrue(bad.getMessage().contains("does not parse"), bad.getMessage());
        MalformedModelException negative = assertThrows(MalformedModelException.class, () -> OnnxImporter.parse(
                conv().metadata("hecnn.range.images", "10").metadata("hecnn.range.activation_input_max_abs", "1")
                        .metadata("hecnn.range.output_max_abs", "NaN").bytes(), "t"));
        assertTrue(negative.getMessage().contains("invalid"), negative.getMessage());
    }
}
