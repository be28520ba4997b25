package org.hecnn.cnn.onnx;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.hecnn.cnn.onnx.proto.OnnxProto.AttributeProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.NodeProto;

/**
 * The attributes of one ONNX node, restricted to a known set: an attribute outside the set fails with an
 * {@link UnsupportedModelException} naming the node, so nothing is silently ignored.
 */
final class Attrs {
    private final NodeProto node;
    private final String nodeName;
    private final Map<String, AttributeProto> byName = new HashMap<>();

    private Attrs(NodeProto node, String nodeName) {
        this.node = node;
        this.nodeName = nodeName;
    }

    /** Reads the node's attributes; any name not in {@code known} is an unsupported attribute. */
    static Attrs of(NodeProto node, String nodeName, Set<String> known) {
        Attrs a = new Attrs(node, nodeName);
        for (AttributeProto p : node.getAttributeList()) {
            if (!p.getRefAttrName().isEmpty()) {
                throw a.unsupported("attribute '" + p.getName() + "' refers to a function attribute");
            }
            if (!known.contains(p.getName())) {
                throw a.unsupported("attribute '" + p.getName() + "' is not supported");
            }
            if (a.byName.put(p.getName(), p) != null) {
                throw new MalformedModelException("node '" + nodeName + "': attribute '" + p.getName() + "' given twice");
            }
        }
        return a;
    }

    boolean has(String name) {
        return byName.containsKey(name);
    }

    long i(String name, long dflt) {
        AttributeProto p = byName.get(name);
        if (p == null) {
            return dflt;
        }
        expect(p, AttributeProto.AttributeType.INT);
        return p.getI();
    }

    double f(String name, double dflt) {
        AttributeProto p = byName.get(name);
        if (p == null) {
            return dflt;
        }
        expect(p, AttributeProto.AttributeType.FLOAT);
        return p.getF();
    }

    String s(String name, String dflt) {
        AttributeProto p = byName.get(name);
        if (p == null) {
            return dflt;
        }
        expect(p, AttributeProto.AttributeType.STRING);
        return p.getS().toString(StandardCharsets.UTF_8);
    }

    /** An INTS attribute, or null when absent. */
    long[] ints(String name) {
        AttributeProto p = byName.get(name);
        if (p == null) {
            return null;
        }
        expect(p, AttributeProto.AttributeType.INTS);
        long[] out = new long[p.getIntsCount()];
        for (int k = 0; k < out.length; k++) {
            out[k] = p.getInts(k);
        }
        return out;
    }

    /** A FLOATS attribute, or null when absent. */
    double[] floats(String name) {
        AttributeProto p = byName.get(name);
        if (p == null) {
            return null;
        }
        expect(p, AttributeProto.AttributeType.FLOATS);
        double[] out = new double[p.getFloatsCount()];
        for (int k = 0; k < out.length; k++) {
            out[k] = p.getFloats(k);
        }
        return out;
    }

    /** A TENSOR attribute decoded, or null when absent. */
    ConstTensor tensor(String name) {
        AttributeProto p = byName.get(name);
        if (p == null) {
            return null;
        }
        expect(p, AttributeProto.AttributeType.TENSOR);
        return TensorDecoder.decode(p.getT(), "attribute '" + name + "' of node '" + nodeName + "'");
    }

    private void expect(AttributeProto p, AttributeProto.AttributeType type) {
        // Old exporters leave 'type' unset; accept that when the matching field is present.
        if (p.hasType() && p.getType() != type) {
            throw new MalformedModelException("node '" + nodeName + "': attribute '" + p.getName() + "' should be "
                    + type + ", is " + p.getType());
        }
    }

    UnsupportedModelException unsupported(String detail) {
        return new UnsupportedModelException(nodeName, node.getOpType(), detail);
    }
}
