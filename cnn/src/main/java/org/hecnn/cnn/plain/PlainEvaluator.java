package org.hecnn.cnn.plain;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hecnn.cnn.model.Add;
import org.hecnn.cnn.model.AvgPool;
import org.hecnn.cnn.model.BatchNorm;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Input;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Relu;
import org.hecnn.cnn.model.Shape;
import org.hecnn.cnn.model.ShortcutA;
import org.hecnn.cnn.model.Tensor;

/**
 * Evaluates a model on one image in double precision. Stateless apart from the model; safe to share between
 * threads.
 */
public final class PlainEvaluator {
    private final Model model;

    /** An evaluator for the given model. */
    public PlainEvaluator(Model model) {
        this.model = model;
    }

    /** Evaluates {@code model} on {@code input}; shorthand for {@code new PlainEvaluator(model).evaluate(input)}. */
    public static Tensor evaluate(Model model, Tensor input) {
        return new PlainEvaluator(model).evaluate(input);
    }

    /**
     * The model's output for one image.
     *
     * @param input the image, {@code [C][H][W]} (any dimensions with the input's element count are accepted)
     * @throws InvalidInputException if the size does not match the model's input or a value is not finite
     */
    public Tensor evaluate(Tensor input) {
        return run(input, false).get(model.output().name());
    }

    /** Every node's output for one image, by node name in topological order. */
    public Map<String, Tensor> evaluateAll(Tensor input) {
        return run(input, true);
    }

    private Map<String, Tensor> run(Tensor input, boolean keepAll) {
        Shape inShape = model.inputShape();
        if (input.size() != inShape.size()) {
            throw new InvalidInputException("model '" + model.name() + "' expects an input of shape " + inShape + " ("
                    + inShape.size() + " values), got " + input.size() + " values");
        }
        double[] x0 = input.toArray();
        for (double v : x0) {
            if (!Double.isFinite(v)) {
                throw new InvalidInputException("input contains a non-finite value: " + v);
            }
        }
        Map<String, Integer> lastUse = new HashMap<>();
        List<Node> nodes = model.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).inputs()) {
                lastUse.put(in, i);
            }
        }
        Map<String, double[]> values = new HashMap<>();
        Map<String, Tensor> kept = new LinkedHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            double[] out = apply(n, x0, values);
            values.put(n.name(), out);
            if (keepAll || n.name().equals(model.output().name())) {
                kept.put(n.name(), Tensor.of(n.shape(), out));
            }
            for (String in : n.inputs()) {
                if (lastUse.get(in) == i && !in.equals(model.output().name())) {
                    values.remove(in);
                }
            }
        }
        return kept;
    }

    private double[] apply(Node n, double[] image, Map<String, double[]> values) {
        Shape out = n.shape();
        if (n.op() instanceof Input) {
            return image.clone();
        }
        double[] x = values.get(n.inputs().get(0));
        Shape in = model.node(n.inputs().get(0)).shape();
        return switch (n.op()) {
            case Conv2d c -> Kernels.conv2d(c, x, in, out);
            case BatchNorm b -> Kernels.batchNorm(b, x, in);
            case Polynomial p -> Kernels.polynomial(p, x, in);
            case AvgPool p -> Kernels.avgPool(p, x, in, out);
            case GlobalAvgPool g -> Kernels.globalAvgPool(g, x, in);
            case Flatten f -> x.clone();
            case Linear l -> Kernels.linear(l, x);
            case Add a -> Kernels.add(x, values.get(n.inputs().get(1)));
            case ShortcutA s -> Kernels.shortcutA(s, x, in, out);
            case Relu r -> Kernels.relu(x);
            case Input i -> throw new AssertionError();
        };
    }
}
