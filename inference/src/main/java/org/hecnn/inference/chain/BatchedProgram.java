package org.hecnn.inference.chain;

import java.util.ArrayList;
import java.util.List;

import org.hecnn.cnn.compile.FoldBatchNormIntoConv;
import org.hecnn.cnn.compile.FoldBatchNormIntoNext;
import org.hecnn.cnn.compile.Passes;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.Input;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Shape;
import org.hecnn.inference.UnsupportedNetworkException;

/**
 * A chain network lowered for the batched layout: alternating sparse affine maps and pure squares. Each
 * quadratic activation c2·x² + c1·x + c0 is rewritten as c2·(x + h)² + c0' (h = c1 / 2c2): the shift h joins the
 * preceding map's bias, and c2 and c0' are folded into the following map's weights and bias, so a power-of-two
 * c2 keeps power-of-two weights power-of-two and the activation costs one squaring and nothing else.
 */
public final class BatchedProgram {
    /** One step of the program. */
    public sealed interface Stage permits Affine, Square {
        /** Neurons this stage produces. */
        int outputs();
    }

    /** A sparse affine map (a convolution or a fully connected layer) and the model nodes it came from. */
    public record Affine(AffineMap map, String nodes) implements Stage {
        @Override
        public int outputs() {
            return map.outputs();
        }
    }

    /** x ↦ x² on every neuron. */
    public record Square(int width, String nodes) implements Stage {
        @Override
        public int outputs() {
            return width;
        }
    }

    private final String name;
    private final Shape inputShape;
    private final List<Stage> stages;

    private BatchedProgram(String name, Shape inputShape, List<Stage> stages) {
        this.name = name;
        this.inputShape = inputShape;
        this.stages = List.copyOf(stages);
    }

    public String name() {
        return name;
    }

    public Shape inputShape() {
        return inputShape;
    }

    public int inputs() {
        return inputShape.size();
    }

    public int outputs() {
        return stages.get(stages.size() - 1).outputs();
    }

    public List<Stage> stages() {
        return stages;
    }

    /** Runs the program in double precision (the reference the encrypted result is checked against). */
    public double[] evaluate(double[] input) {
        if (input.length != inputs()) {
            throw new IllegalArgumentException("input has " + input.length + " values, the model takes " + inputs());
        }
        double[] x = input;
        for (Stage s : stages) {
            if (s instanceof Affine a) {
                x = a.map().apply(x);
            } else {
                double[] y = new double[x.length];
                for (int i = 0; i < y.length; i++) {
                    y[i] = x[i] * x[i];
                }
                x = y;
            }
        }
        return x;
    }

    /**
     * Lowers a model. Supported: a chain (every node feeds only the next) of Conv2d, Linear, Flatten, BatchNorm
     * (folded into a neighbouring layer first) and polynomial activations of degree at most 2; anything else
     * fails with the node's name.
     */
    public static BatchedProgram lower(Model imported) {
        Model m = Passes.run(imported, List.of(new FoldBatchNormIntoConv(), new FoldBatchNormIntoNext()));
        List<Stage> out = new ArrayList<>();
        Shape shape = m.inputShape();
        double[] pendingScale = null;
        double[] pendingOffset = null;
        String pendingNodes = null;
        String previous = null;
        for (Node n : m.nodes()) {
            if (n.op() instanceof Input) {
                previous = n.name();
                continue;
            }
            if (n.inputs().size() != 1 || !n.input().equals(previous) || m.consumers(previous).size() != 1) {
                throw new UnsupportedNetworkException(n.name(), "the batched and vector layouts run chains only "
                        + "(each layer feeds the next); a network with residual connections runs in the packed or "
                        + "per-channel layout, on CIFAR-10 or PNG images (infer --cifar or --image, eval on CIFAR-10 "
                        + "data, plan --layout packed)");
            }
            previous = n.name();
            AffineMap map;
            if (n.op() instanceof Conv2d c) {
                map = convolution(c, shape, n.shape());
            } else if (n.op() instanceof Linear l) {
                if (shape.size() != l.inFeatures()) {
                    throw new UnsupportedNetworkException(n.name(), "the linear layer takes " + l.inFeatures()
                            + " features but receives " + shape.size());
                }
                map = linear(l);
            } else if (n.op() instanceof Flatten) {
                shape = n.shape();
                continue;
            } else if (n.op() instanceof Polynomial p) {
                if (p.degree() > 2) {
                    throw new UnsupportedNetworkException(n.name(), "polynomial of degree " + p.degree()
                            + "; the batched layout supports degree 2 at most");
                }
                if (pendingScale != null) {
                    throw new UnsupportedNetworkException(n.name(), "two activations in a row; put a weighted "
                            + "layer between them");
                }
                int width = shape.size();
                double[] c0 = new double[width];
                double[] c1 = new double[width];
                double[] c2 = new double[width];
                int plane = shape.flat() ? 1 : shape.plane();
                boolean anySquare = false;
                boolean allSquare = true;
                for (int j = 0; j < width; j++) {
                    int ch = shape.flat() ? j : j / plane;
                    c0[j] = p.coefficient(ch, 0);
                    c1[j] = p.coefficient(ch, 1);
                    c2[j] = p.coefficient(ch, 2);
                    anySquare |= c2[j] != 0;
                    allSquare &= c2[j] != 0;
                }
                if (anySquare && !allSquare) {
                    throw new UnsupportedNetworkException(n.name(), "some channels are quadratic and some linear");
                }
                Affine last = out.isEmpty() || !(out.get(out.size() - 1) instanceof Affine a) ? null : a;
                if (last == null) {
                    throw new UnsupportedNetworkException(n.name(), "an activation must follow a weighted layer");
                }
                if (!anySquare) {
                    out.set(out.size() - 1, new Affine(AffineMap.diagonal(c1, c0).composeAfter(last.map()),
                            last.nodes() + "+" + n.name()));
                    shape = n.shape();
                    continue;
                }
                double[] h = new double[width];
                pendingScale = new double[width];
                pendingOffset = new double[width];
                for (int j = 0; j < width; j++) {
                    h[j] = c1[j] / (2 * c2[j]);
                    pendingScale[j] = c2[j];
                    pendingOffset[j] = c0[j] - c2[j] * h[j] * h[j];
                }
                out.set(out.size() - 1, new Affine(last.map().addBias(h), last.nodes()));
                out.add(new Square(width, n.name()));
                pendingNodes = n.name();
                shape = n.shape();
                continue;
            } else {
                throw new UnsupportedNetworkException(n.name(), n.op().getClass().getSimpleName()
                        + " is not supported by the batched layout (Conv2d, Linear, Flatten, BatchNorm and degree-2 "
                        + "polynomials are)");
            }
            if (pendingScale != null) {
                map = map.afterDiagonal(pendingScale, pendingOffset);
                pendingScale = null;
                pendingOffset = null;
            }
            out.add(new Affine(map, n.name()));
            shape = n.shape();
        }
        if (pendingScale != null) {
            out.add(new Affine(AffineMap.diagonal(pendingScale, pendingOffset), pendingNodes + " (output)"));
        }
        if (out.isEmpty() || !(out.get(0) instanceof Affine)) {
            throw new UnsupportedNetworkException(m.input().name(), "the network must start with a weighted layer");
        }
        return new BatchedProgram(m.name(), m.inputShape(), out);
    }

    private static AffineMap convolution(Conv2d c, Shape in, Shape out) {
        int ci = c.inChannels();
        int kh = c.kernelH();
        int kw = c.kernelW();
        double[] w = c.weight().toArray();
        AffineMap.Builder b = new AffineMap.Builder(in.size(), out.size());
        for (int o = 0; o < out.channels(); o++) {
            double bias = c.bias().get(o);
            for (int oy = 0; oy < out.height(); oy++) {
                for (int ox = 0; ox < out.width(); ox++) {
                    int[] field = new int[ci * kh * kw];
                    int f = 0;
                    for (int i = 0; i < ci; i++) {
                        for (int ky = 0; ky < kh; ky++) {
                            int iy = oy * c.strideH() - c.padTop() + ky;
                            for (int kx = 0; kx < kw; kx++) {
                                int ix = ox * c.strideW() - c.padLeft() + kx;
                                boolean inside = iy >= 0 && iy < in.height() && ix >= 0 && ix < in.width();
                                int column = inside ? (i * in.height() + iy) * in.width() + ix : -1;
                                field[f++] = column;
                                if (inside) {
                                    b.term(column, w[((o * ci + i) * kh + ky) * kw + kx]);
                                }
                            }
                        }
                    }
                    b.field(field);
                    b.endRow(bias);
                }
            }
        }
        return b.build();
    }

    private static AffineMap linear(Linear l) {
        int in = l.inFeatures();
        double[] w = l.weight().toArray();
        AffineMap.Builder b = new AffineMap.Builder(in, l.outFeatures());
        for (int j = 0; j < l.outFeatures(); j++) {
            for (int i = 0; i < in; i++) {
                b.term(i, w[j * in + i]);
            }
            b.endRow(l.bias().get(j));
        }
        return b.build();
    }
}
