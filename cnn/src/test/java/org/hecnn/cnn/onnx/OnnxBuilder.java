package org.hecnn.cnn.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.google.protobuf.ByteString;

import org.hecnn.cnn.onnx.proto.OnnxProto.AttributeProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.GraphProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.ModelProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.NodeProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.TensorProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.TensorShapeProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.TypeProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.ValueInfoProto;

/** Builds small ONNX models in tests with the generated protobuf classes. */
final class OnnxBuilder {
    final GraphProto.Builder graph = GraphProto.newBuilder().setName("g");
    private int opset = 13;
    private final java.util.Map<String, String> metadata = new java.util.LinkedHashMap<>();

    OnnxBuilder metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    static OnnxBuilder image(int c, int h, int w) {
        OnnxBuilder b = new OnnxBuilder();
        b.graph.addInput(valueInfo("x", 1, c, h, w));
        return b;
    }

    static ValueInfoProto valueInfo(String name, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    static TensorProto floats(String name, float[] v, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            buf.putFloat(f);
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1)
                .setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    static TensorProto longs(String name, long[] v, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(7);
        for (long x : v) {
            t.addInt64Data(x);
        }
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.01 * ((i * 37) % 23 - 11));
        }
        return v;
    }

    OnnxBuilder init(TensorProto t) {
        graph.addInitializer(t);
        return this;
    }

    OnnxBuilder opset(int v) {
        opset = v;
        return this;
    }

    /** Adds a node; attributes as name/value pairs (Long, long[], Float, String). */
    OnnxBuilder node(String name, String op, String[] in, String out, Object... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setName(name).setOpType(op).addOutput(out);
        for (String i : in) {
            n.addInput(i);
        }
        for (int k = 0; k < attrs.length; k += 2) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName((String) attrs[k]);
            Object v = attrs[k + 1];
            if (v instanceof Long l) {
                a.setType(AttributeProto.AttributeType.INT).setI(l);
            } else if (v instanceof long[] ls) {
                a.setType(AttributeProto.AttributeType.INTS);
                for (long l : ls) {
                    a.addInts(l);
                }
            } else if (v instanceof Float f) {
                a.setType(AttributeProto.AttributeType.FLOAT).setF(f);
            } else if (v instanceof String s) {
                a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
            } else if (v instanceof TensorProto t) {
                a.setType(AttributeProto.AttributeType.TENSOR).setT(t);
            }
            n.addAttribute(a);
        }
        graph.addNode(n);
        return this;
    }

    OnnxBuilder output(String name, long... dims) {
        graph.addOutput(valueInfo(name, dims));
        return this;
    }

    /** A 3x3 conv x -> "c" with 2 output channels, weights "w". */
    OnnxBuilder conv(String name, int cin, Object... extraAttrs) {
        init(floats("w", ramp(2 * cin * 9), 2, cin, 3, 3));
        Object[] attrs = new Object[4 + extraAttrs.length];
        attrs[0] = "kernel_shape";
        attrs[1] = new long[] {3, 3};
        attrs[2] = "pads";
        attrs[3] = new long[] {1, 1, 1, 1};
        System.arraycopy(extraAttrs, 0, attrs, 4, extraAttrs.length);
        return node(name, "Conv", new String[] {"x", "w"}, "c", attrs);
    }

    byte[] bytes() {
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(8).setProducerName("test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph);
        metadata.forEach((k, v) -> m.addMetadataProps(
                org.hecnn.cnn.onnx.proto.OnnxProto.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build().toByteArray();
    }
}
