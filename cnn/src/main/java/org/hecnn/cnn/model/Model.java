package org.hecnn.cnn.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable CNN graph: nodes in topological order (every input of a node is an earlier node), exactly one
 * {@link Input} node and one output node. Shapes are inferred and checked when the model is built; nodes that
 * do not contribute to the output are dropped.
 */
public final class Model {
    private final String name;
    private final List<Node> nodes;
    private final Map<String, Node> byName;
    private final Map<String, List<String>> consumers;
    private final String inputName;
    private final String outputName;
    private final CertifiedRange certifiedRange;

    private Model(String name, List<Node> nodes, String inputName, String outputName, CertifiedRange certifiedRange) {
        this.name = name;
        this.certifiedRange = certifiedRange;
        this.nodes = List.copyOf(nodes);
        Map<String, Node> map = new LinkedHashMap<>();
        Map<String, List<String>> cons = new HashMap<>();
        for (Node n : this.nodes) {
            map.put(n.name(), n);
            cons.put(n.name(), new ArrayList<>());
        }
        for (Node n : this.nodes) {
            for (String in : new HashSet<>(n.inputs())) {
                cons.get(in).add(n.name());
            }
        }
        cons.replaceAll((k, v) -> List.copyOf(v));
        this.byName = Collections.unmodifiableMap(map);
        this.consumers = Collections.unmodifiableMap(cons);
        this.inputName = inputName;
        this.outputName = outputName;
    }

    /** A builder for a model with the given name. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The model's name (for messages and reports). */
    public String name() {
        return name;
    }

    /** The value range the model was certified for, when its file carries one (see {@link CertifiedRange}). */
    public java.util.Optional<CertifiedRange> certifiedRange() {
        return java.util.Optional.ofNullable(certifiedRange);
    }

    /** This model with a certified range (null: none). */
    public Model withCertifiedRange(CertifiedRange range) {
        return new Model(name, nodes, inputName, outputName, range);
    }

    /** The SHA-256 of what the model computes ({@link ModelFingerprint}): the same for bit-identical graphs. */
    public byte[] fingerprint() {
        return ModelFingerprint.of(this);
    }

    /** All nodes in topological order, the input first. */
    public List<Node> nodes() {
        return nodes;
    }

    /** The node with the given name. */
    public Node node(String nodeName) {
        Node n = byName.get(nodeName);
        if (n == null) {
            throw new InvalidModelException(nodeName, "no such node in model '" + name + "'");
        }
        return n;
    }

    /** Whether a node of that name exists. */
    public boolean contains(String nodeName) {
        return byName.containsKey(nodeName);
    }

    /** Names of the nodes that take this node's output, in topological order (each once). */
    public List<String> consumers(String nodeName) {
        node(nodeName);
        return consumers.get(nodeName);
    }

    /** The input node. */
    public Node input() {
        return byName.get(inputName);
    }

    /** The output node. */
    public Node output() {
        return byName.get(outputName);
    }

    /** Shape of the input image. */
    public Shape inputShape() {
        return input().shape();
    }

    /** Shape of the result (normally a vector of logits). */
    public Shape outputShape() {
        return output().shape();
    }

    /** Nodes whose op is of the given class, in order. */
    public <T extends Op> List<Node> nodesOf(Class<T> type) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (type.isInstance(n.op())) {
                out.add(n);
            }
        }
        return out;
    }

    /** Whether every op can be evaluated under CKKS (no ReLU). */
    public boolean heCompatible() {
        return heIncompatibleNodes().isEmpty();
    }

    /** The nodes that cannot be evaluated under CKKS. */
    public List<Node> heIncompatibleNodes() {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (!n.op().heCompatible()) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * Throws unless the model can be evaluated under CKKS.
     *
     * @throws NotHeCompatibleException naming the ReLU nodes and telling the user to retrain with the polynomial
     *                                  activation
     */
    public void requireHeCompatible() {
        List<Node> bad = heIncompatibleNodes();
        if (bad.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>();
        for (Node n : bad) {
            names.add("'" + n.name() + "' (" + n.op().kind() + ")");
        }
        throw new NotHeCompatibleException("model '" + name + "' cannot run under encryption: " + bad.size()
                + " node(s) use an activation CKKS cannot evaluate: " + String.join(", ", names.subList(0,
                Math.min(5, names.size()))) + (names.size() > 5 ? ", ..." : "") + ". Retrain the model with the "
                + "polynomial (quadratic) activation, e.g. the training recipe in training/, and export it again.");
    }

    /** A builder pre-filled with this model's nodes and output, to derive a changed model. */
    public Builder toBuilder() {
        Builder b = new Builder(name);
        b.certifiedRange = certifiedRange;
        for (Node n : nodes) {
            b.add(n.name(), n.op(), n.inputs());
        }
        return b.output(outputName);
    }

    /** A multi-line listing: one node per line. */
    public String describe() {
        StringBuilder sb = new StringBuilder("model ").append(name).append(" (").append(nodes.size())
                .append(" nodes, output ").append(outputName).append(")\n");
        for (Node n : nodes) {
            sb.append("  ").append(n).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Model[" + name + ", " + nodes.size() + " nodes, " + inputShape() + " -> " + outputShape() + "]";
    }

    /**
     * Builds a {@link Model} node by node. Nodes must be added after their inputs; shapes are checked as nodes are
     * added, and {@link #build()} checks there is one input and an output.
     */
    public static final class Builder {
        private final String name;
        private final LinkedHashMap<String, Node> nodes = new LinkedHashMap<>();
        private String inputName;
        private CertifiedRange certifiedRange;
        private String outputName;

        private Builder(String name) {
            this.name = name == null || name.isEmpty() ? "model" : name;
        }

        /** Adds the input node. */
        /** Carries a certified range into the built model (passes keep the range of the model they edit). */
        public Builder certifiedRange(CertifiedRange range) {
            this.certifiedRange = range;
            return this;
        }

        public Builder input(String nodeName, Shape shape) {
            add(nodeName, new Input(shape), List.of());
            return this;
        }

        /**
         * Adds a node and infers its shape.
         *
         * @return the node's name
         * @throws InvalidModelException naming the node if the name is taken, an input is unknown, the number of
         *                               inputs is wrong or the shapes do not fit
         */
        public String add(String nodeName, Op op, String... inputs) {
            return add(nodeName, op, List.of(inputs));
        }

        /** Adds a node and infers its shape; see {@link #add(String, Op, String...)}. */
        public String add(String nodeName, Op op, List<String> inputs) {
            if (nodeName == null || nodeName.isEmpty()) {
                throw new InvalidModelException(null, "a node needs a non-empty name (op " + op.kind() + ")");
            }
            if (nodes.containsKey(nodeName)) {
                throw new InvalidModelException(nodeName, "duplicate node name");
            }
            if (op == null) {
                throw new InvalidModelException(nodeName, "op missing");
            }
            if (inputs.size() != op.arity()) {
                throw new InvalidModelException(nodeName,
                        op.kind() + " takes " + op.arity() + " input(s), got " + inputs.size());
            }
            List<Shape> shapes = new ArrayList<>();
            for (String in : inputs) {
                Node src = nodes.get(in);
                if (src == null) {
                    throw new InvalidModelException(nodeName, "input '" + in
                            + "' is not an earlier node (nodes must be added in topological order)");
                }
                shapes.add(src.shape());
            }
            if (op instanceof Input) {
                if (inputName != null) {
                    throw new InvalidModelException(nodeName, "a model has one input; '" + inputName + "' exists");
                }
                inputName = nodeName;
            }
            Shape shape;
            try {
                shape = op.outputShape(shapes);
            } catch (IllegalArgumentException e) {
                throw new InvalidModelException(nodeName, op.kind() + ": " + e.getMessage());
            }
            nodes.put(nodeName, new Node(nodeName, op, inputs, shape));
            return nodeName;
        }

        /** Sets the output node (default: the last node added). */
        public Builder output(String nodeName) {
            this.outputName = nodeName;
            return this;
        }

        /** Whether a node of that name was added. */
        public boolean contains(String nodeName) {
            return nodes.containsKey(nodeName);
        }

        /** The shape of an added node. */
        public Shape shapeOf(String nodeName) {
            Node n = nodes.get(nodeName);
            if (n == null) {
                throw new InvalidModelException(nodeName, "no such node");
            }
            return n.shape();
        }

        /**
         * The model: nodes that do not reach the output are dropped (the input is always kept).
         *
         * @throws InvalidModelException if there is no input or the output is unknown
         */
        public Model build() {
            if (inputName == null) {
                throw new InvalidModelException(null, "model '" + name + "' has no input node");
            }
            String out = outputName;
            if (out == null) {
                out = nodes.lastEntry().getKey();
            }
            if (!nodes.containsKey(out)) {
                throw new InvalidModelException(out, "output is not a node of the model");
            }
            Set<String> live = new HashSet<>();
            List<Node> all = new ArrayList<>(nodes.values());
            live.add(out);
            for (int i = all.size() - 1; i >= 0; i--) {
                Node n = all.get(i);
                if (live.contains(n.name())) {
                    live.addAll(n.inputs());
                }
            }
            live.add(inputName);
            List<Node> kept = new ArrayList<>();
            for (Node n : all) {
                if (live.contains(n.name())) {
                    kept.add(n);
                }
            }
            return new Model(name, kept, inputName, out, certifiedRange);
        }
    }
}
