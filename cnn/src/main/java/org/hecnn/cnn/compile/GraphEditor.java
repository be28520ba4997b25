package org.hecnn.cnn.compile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;
import org.hecnn.cnn.model.Op;
import org.hecnn.cnn.model.Shape;

/**
 * A mutable working copy of a {@link Model} for passes: replace a node's op, or remove a one-input node and let
 * its consumers read its input. {@link #build()} re-checks every shape. Shapes reported by {@link #shape} are those
 * of the source model (the passes here never change a surviving node's shape).
 */
public final class GraphEditor {
    private final String name;
    private final org.hecnn.cnn.model.CertifiedRange certifiedRange;
    private final LinkedHashMap<String, Op> ops = new LinkedHashMap<>();
    private final Map<String, List<String>> inputs = new LinkedHashMap<>();
    private final Map<String, Shape> shapes = new LinkedHashMap<>();
    private String output;

    /** A working copy of {@code model}. */
    public GraphEditor(Model model) {
        this.name = model.name();
        this.certifiedRange = model.certifiedRange().orElse(null);
        for (Node n : model.nodes()) {
            ops.put(n.name(), n.op());
            inputs.put(n.name(), new ArrayList<>(n.inputs()));
            shapes.put(n.name(), n.shape());
        }
        this.output = model.output().name();
    }

    /** Node names in topological order (a snapshot). */
    public List<String> names() {
        return new ArrayList<>(ops.keySet());
    }

    /** Whether the node still exists. */
    public boolean contains(String node) {
        return ops.containsKey(node);
    }

    /** The node's current op. */
    public Op op(String node) {
        Op op = ops.get(node);
        if (op == null) {
            throw new IllegalArgumentException("no node '" + node + "'");
        }
        return op;
    }

    /** The node's inputs. */
    public List<String> inputs(String node) {
        return List.copyOf(inputs.get(node));
    }

    /** The node's only input. */
    public String input(String node) {
        List<String> in = inputs.get(node);
        if (in.size() != 1) {
            throw new IllegalArgumentException("node '" + node + "' has " + in.size() + " inputs");
        }
        return in.get(0);
    }

    /** The shape of the node's output (as in the source model). */
    public Shape shape(String node) {
        return shapes.get(node);
    }

    /** Names of the nodes reading this node's output, in order, each once. */
    public List<String> consumers(String node) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
            if (e.getValue().contains(node)) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** The output node's name. */
    public String output() {
        return output;
    }

    /** Whether the node's value is the model output. */
    public boolean isOutput(String node) {
        return output.equals(node);
    }

    /** Replaces the node's op (inputs unchanged). */
    public void replace(String node, Op op) {
        op(node);
        ops.put(node, op);
    }

    /** Removes a one-input node; its consumers (and the output, if it was the output) now read its input. */
    public void bypass(String node) {
        String src = input(node);
        ops.remove(node);
        inputs.remove(node);
        shapes.remove(node);
        for (List<String> in : inputs.values()) {
            in.replaceAll(x -> x.equals(node) ? src : x);
        }
        if (output.equals(node)) {
            output = src;
        }
    }

    /** The edited model, shapes re-inferred and checked. */
    public Model build() {
        Model.Builder b = Model.builder(name).certifiedRange(certifiedRange);
        for (Map.Entry<String, Op> e : ops.entrySet()) {
            b.add(e.getKey(), e.getValue(), inputs.get(e.getKey()));
        }
        return b.output(output).build();
    }
}
