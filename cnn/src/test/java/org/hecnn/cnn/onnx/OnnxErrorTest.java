package org.hecnn.cnn.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import com.google.protobuf.ByteString;

import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.ShortcutA;
import org.hecnn.cnn.onnx.proto.OnnxProto.StringStringEntryProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.TensorProto;
import org.junit.jupiter.api.Test;

/** Unsupported operators and attributes fail naming the node; malformed models fail with a typed error. */
class OnnxErrorTest {

    private static UnsupportedModelException unsupported(OnnxBuilder b, String node, String op, String detail) {
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> OnnxImporter.parse(b.bytes(), "t"));
        assertEquals(node, e.nodeName(), e.getMessage());
        assertEquals(op, e.opType(), e.getMessage());
        assertTrue(e.getMessage().contains(node), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        return e;
    }

    private static MalformedModelException malformed(byte[] bytes, String detail) {
        MalformedModelException e = assertThrows(MalformedModelException.class, () -> OnnxImporter.parse(bytes, "t"));
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        return e;
    }

    @Test
    void aMinimalConvModelImports() {
        Model m = OnnxImporter.parse(OnnxBuilder.image(3, 5, 5).conv("conv0", 3, "strides", new long[] {2, 2})
                .output("c", 1, 2, 3, 3).bytes(), "t");
        assertEquals(2, m.nodes().size());
        Conv2d c = (Conv2d) m.output().op();
        assertEquals(2, c.strideH());
        assertEquals("[2x3x3]", m.outputShape().toString());
    }

    @Test
    void dilatedConvolutionIsUnsupported() {
        unsupported(OnnxBuilder.image(3, 5, 5).conv("conv0", 3, "dilations", new long[] {2, 2}).output("c"),
                "conv0", "Conv", "dilations");
    }

    @Test
    void groupedConvolutionIsUnsupported() {
        OnnxBuilder b = OnnxBuilder.image(4, 5, 5).init(OnnxBuilder.floats("w", OnnxBuilder.ramp(2 * 2 * 9), 2, 2, 3,
                3)).node("dw", "Conv", new String[] {"x", "w"}, "c", "group", 2L).output("c");
        unsupported(b, "dw", "Conv", "group=2");
    }

    @Test
    void autoPadIsUnsupported() {
        unsupported(OnnxBuilder.image(3, 5, 5).conv("conv0", 3, "auto_pad", "SAME_UPPER").output("c"), "conv0", "Conv",
                "auto_pad");
    }

    @Test
    void unknownOperatorIsNamed() {
        OnnxBuilder b = OnnxBuilder.image(3, 5, 5).conv("conv0", 3).node("sig", "Sigmoid", new String[] {"c"}, "y")
                .output("y");
        unsupported(b, "sig", "Sigmoid", "not supported");
        OnnxBuilder mp = OnnxBuilder.image(3, 4, 4).node("pool", "MaxPool", new String[] {"x"}, "y", "kernel_shape",
                new long[] {2, 2}).output("y");
        unsupported(mp, "pool", "MaxPool", "not supported");
    }

    @Test
    void unknownAttributeIsNamed() {
        OnnxBuilder b = OnnxBuilder.image(3, 5, 5).node("r", "Relu", new String[] {"x"}, "y", "alpha", 0.1f)
                .output("y");
        unsupported(b, "r", "Relu", "alpha");
    }

    @Test
    void productOfTwoActivationsIsUnsupported() {
        OnnxBuilder b = OnnxBuilder.image(3, 5, 5).node("r", "Relu", new String[] {"x"}, "y")
                .node("m", "Mul", new String[] {"x", "y"}, "z").output("z");
        unsupported(b, "m", "Mul", "two different activations");
    }

    @Test
    void croppingSliceAndSpatialPadAreUnsupported() {
        OnnxBuilder s = OnnxBuilder.image(3, 6, 6)
                .init(OnnxBuilder.longs("st", new long[] {1}, 1)).init(OnnxBuilder.longs("en", new long[] {4}, 1))
                .init(OnnxBuilder.longs("ax", new long[] {2}, 1))
                .node("crop", "Slice", new String[] {"x", "st", "en", "ax"}, "y").output("y");
        unsupported(s, "crop", "Slice", "only strided subsampling");
        OnnxBuilder p = OnnxBuilder.image(3, 6, 6)
                .init(OnnxBuilder.longs("pads", new long[] {0, 0, 1, 1, 0, 0, 1, 1}, 8))
                .node("pad", "Pad", new String[] {"x", "pads"}, "y").output("y");
        unsupported(p, "pad", "Pad", "only zero channels");
    }

    @Test
    void sliceAndChannelPadBecomeOneShortcut() {
        OnnxBuilder b = OnnxBuilder.image(4, 7, 7)
                .init(OnnxBuilder.longs("st", new long[] {0, 0}, 2))
                .init(OnnxBuilder.longs("en", new long[] {Long.MAX_VALUE, Long.MAX_VALUE}, 2))
                .init(OnnxBuilder.longs("ax", new long[] {2, 3}, 2))
                .init(OnnxBuilder.longs("sp", new long[] {2, 2}, 2))
                .init(OnnxBuilder.longs("pads", new long[] {0, 3, 0, 0, 0, 1, 0, 0}, 8))
                .node("sl", "Slice", new String[] {"x", "st", "en", "ax", "sp"}, "s")
                .node("pad", "Pad", new String[] {"s", "pads"}, "y").output("y");
        Model m = OnnxImporter.parse(b.bytes(), "t");
        assertEquals(new ShortcutA(2, 3, 1), m.output().op());
        assertEquals("[8x4x4]", m.outputShape().toString());
    }

    @Test
    void higherDegreePolynomialFromPowAndPerChannelConstants() {
        OnnxBuilder b = OnnxBuilder.image(2, 3, 3)
                .init(OnnxBuilder.floats("four", new float[] {4}))
                .init(OnnxBuilder.floats("k", new float[] {0.5f, -2f}, 2, 1, 1))
                .node("p", "Pow", new String[] {"x", "four"}, "x4")
                .node("m", "Mul", new String[] {"x4", "k"}, "y")
                .node("a", "Add", new String[] {"y", "x"}, "z").output("z");
        Model m = OnnxImporter.parse(b.bytes(), "t");
        Polynomial p = (Polynomial) m.output().op();
        assertEquals(4, p.degree());
        assertEquals(0.5, p.coefficient(0, 4));
        assertEquals(-2.0, p.coefficient(1, 4));
        assertEquals(1.0, p.coefficient(1, 1));
    }

    @Test
    void nonIntegerPowerIsUnsupported() {
        OnnxBuilder b = OnnxBuilder.image(2, 3, 3).init(OnnxBuilder.floats("e", new float[] {2.5f}))
                .node("p", "Pow", new String[] {"x", "e"}, "y").output("y");
        unsupported(b, "p", "Pow", "exponent");
    }

    @Test
    void externalDataIsUnsupported() {
        TensorProto ext = OnnxBuilder.floats("w", OnnxBuilder.ramp(54), 2, 3, 3, 3).toBuilder().clearRawData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin")).build();
        OnnxBuilder b = OnnxBuilder.image(3, 5, 5).init(ext).node("conv0", "Conv", new String[] {"x", "w"}, "c")
                .output("c");
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> OnnxImporter.parse(b.bytes(), "t"));
        assertTrue(e.getMessage().contains("external"), e.getMessage());
    }

    @Test
    void hugeDeclaredTensorFailsWithoutAllocating() {
        TensorProto huge = OnnxBuilder.floats("w", new float[] {1, 2, 3, 4}, 1).toBuilder().clearDims()
                .addDims(1L << 20).addDims(1L << 20).addDims(1L << 20).build();
        OnnxBuilder b = OnnxBuilder.image(3, 5, 5).init(huge).node("conv0", "Conv", new String[] {"x", "w"}, "c")
                .output("c");
        malformed(b.bytes(), "too large");
        TensorProto shortRaw = OnnxBuilder.floats("w", new float[] {1, 2, 3}, 2, 3, 3, 3);
        OnnxBuilder b2 = OnnxBuilder.image(3, 5, 5).init(shortRaw).node("conv0", "Conv", new String[] {"x", "w"}, "c")
                .output("c");
        malformed(b2.bytes(), "bytes of raw data");
        TensorProto bigShape = OnnxBuilder.longs("s", new long[] {1L << 40}, 1);
        OnnxBuilder b3 = OnnxBuilder.image(3, 5, 5).init(bigShape)
                .node("cos", "ConstantOfShape", new String[] {"s"}, "z").node("add", "Add", new String[] {"x", "z"}, "y")
                .output("y");
        assertThrows(UnsupportedModelException.class, () -> OnnxImporter.parse(b3.bytes(), "t"));
    }

    @Test
    void structuralErrorsAreMalformed() {
        malformed(OnnxBuilder.image(3, 5, 5).node("r", "Relu", new String[] {"nope"}, "y").output("y").bytes(),
                "'nope'");
        malformed(OnnxBuilder.image(3, 5, 5).node("r", "Relu", new String[] {"x"}, "y").output("zz").bytes(),
                "'zz'");
        OnnxBuilder twoIn = OnnxBuilder.image(3, 5, 5);
        twoIn.graph.addInput(OnnxBuilder.valueInfo("x2", 1, 3, 5, 5));
        twoIn.node("a", "Add", new String[] {"x", "x2"}, "y").output("y");
        assertThrows(UnsupportedModelException.class, () -> OnnxImporter.parse(twoIn.bytes(), "t"));
        OnnxBuilder wrongChannels = OnnxBuilder.image(4, 5, 5).conv("conv0", 3).output("c");
        malformed(wrongChannels.bytes(), "conv0");
    }

    @Test
    void garbageIsMalformed() {
        malformed(new byte[0], "no graph");
        malformed("this is not an onnx file, just text".getBytes(StandardCharsets.US_ASCII), "ONNX");
        byte[] lengthBomb = {0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 1, 2, 3};
        malformed(lengthBomb, "protobuf");
    }

    @Test
    void reluModelImportsButIsNotHeCompatible() {
        Model m = OnnxImporter.parse(OnnxBuilder.image(3, 5, 5).conv("conv0", 3)
                .node("act", "Relu", new String[] {"c"}, "y").output("y").bytes(), "t");
        assertFalse(m.heCompatible());
        assertEquals("act", m.heIncompatibleNodes().get(0).name());
    }

    @Test
    void trainingModeBatchNormIsUnsupported() {
        OnnxBuilder b = OnnxBuilder.image(2, 3, 3);
        for (String p : new String[] {"g", "b", "m", "v"}) {
            b.init(OnnxBuilder.floats(p, new float[] {1, 1}, 2));
        }
        b.node("bn", "BatchNormalization", new String[] {"x", "g", "b", "m", "v"}, "y");
        b.graph.setNode(0, b.graph.getNode(0).toBuilder().addOutput("running_mean").addOutput("running_var"));
        b.output("y");
        unsupported(b, "bn", "BatchNormalization", "training mode");
        OnnxBuilder b14 = OnnxBuilder.image(2, 3, 3);
        for (String p : new String[] {"g", "b", "m", "v"}) {
            b14.init(OnnxBuilder.floats(p, new float[] {1, 1}, 2));
        }
        b14.opset(14).node("bn", "BatchNormalization", new String[] {"x", "g", "b", "m", "v"}, "y", "training_mode",
                1L).output("y");
        unsupported(b14, "bn", "BatchNormalization", "training mode");
    }

    @Test
    void stringTensorIsUnsupported() {
        TensorProto s = TensorProto.newBuilder().setName("w").setDataType(8).addDims(1).build();
        OnnxBuilder b = OnnxBuilder.image(3, 5, 5).init(s).node("a", "Add", new String[] {"x", "w"}, "y").output("y");
        assertThrows(OnnxImportException.class, () -> OnnxImporter.parse(b.bytes(), "t"));
        assertTrue(ByteString.EMPTY.isEmpty());
    }
}
