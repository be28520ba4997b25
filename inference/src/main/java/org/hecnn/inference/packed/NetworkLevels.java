package org.hecnn.inference.packed;

import org.hecnn.inference.UnsupportedNetworkException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hecnn.cnn.model.Add;
import org.hecnn.cnn.model.AvgPool;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Input;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;
import org.hecnn.cnn.model.Op;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.ShortcutA;

/**
 * Level planning for leveled evaluation: every activation uses a fixed number of primes (one with tower reuse, two
 * with separate rescales), convolutions none of their own (their scale is removed by the activation's rescales), the
 * final linear layer none or one. A node's depth is the number of primes consumed on the longest path from the
 * input to it; the input
 * is encrypted at level {@link #topLevel()} = the network's depth, and a node of depth k lives at level top − k.
 * Convolutions (and shortcuts) produce "pending" values at the level of the activation that will consume them.
 */
public final class NetworkLevels {
    private final Model model;
    private final Map<String, Integer> depth = new HashMap<>();
    private final int primesPerActivation;
    private final int top;

    /** Levels with one prime per activation and none for the linear layer (tower reuse). */
    public NetworkLevels(Model model) {
        this(model, 1, 0);
    }

    /** Levels with the primes the targets give each activation and the final linear layer. */
    public NetworkLevels(Model model, PrecisionTargets targets) {
        this(model, targets.primesPerLayer(), targets.linearPrimes());
    }

    private NetworkLevels(Model model, int primesPerActivation, int linearPrimes) {
        this.model = model;
        this.primesPerActivation = primesPerActivation;
        for (Node n : model.nodes()) {
            Op op = n.op();
            int d = 0;
            for (String in : n.inputs()) {
                d = Math.max(d, depth.get(in));
            }
            if (op instanceof Polynomial p) {
                if (p.degree() != 2) {
                    throw new UnsupportedNetworkException(n.name(), "only quadratic activations run in one level; "
                            + "this one has degree " + p.degree());
                }
                d += primesPerActivation;
            } else if (op instanceof Linear) {
                d += linearPrimes;
            } else if (!(op instanceof Input || op instanceof Conv2d || op instanceof Add || op instanceof ShortcutA
                    || op instanceof AvgPool || op instanceof GlobalAvgPool || op instanceof Flatten
                    || op instanceof Linear)) {
                throw new UnsupportedNetworkException(n.name(), op.getClass().getSimpleName()
                        + " cannot be evaluated under encryption" + hint(op));
            }
            depth.put(n.name(), d);
        }
        this.top = depth.get(model.output().name());
        checkStructure();
    }

    private static String hint(Op op) {
        String name = op.getClass().getSimpleName();
        if (name.equals("Relu")) {
            return ": train the model with the quadratic activation (training/ recipe) instead of ReLU";
        }
        if (name.equals("BatchNorm")) {
            return ": run the fusion passes first (BatchNorm folds into the convolution)";
        }
        return "";
    }

    /** Weighted layers must feed an activation (directly or through a residual Add) or be the final Linear. */
    private void checkStructure() {
        for (Node n : model.nodes()) {
            if (n.op() instanceof Conv2d || n.op() instanceof ShortcutA) {
                activationLevel(n.name());
                Node src = model.node(n.inputs().get(0));
                if (producesPending(src)) {
                    throw new UnsupportedNetworkException(n.name(), "two weighted layers without an activation "
                            + "between them need a level each; fuse them or insert an activation");
                }
            } else if (n.op() instanceof Linear) {
                if (!n.name().equals(model.output().name())) {
                    throw new UnsupportedNetworkException(n.name(), "a Linear layer must be the network's output in "
                            + "the packed and per-channel layouts; a chain network (linear layers with activations "
                            + "between them, such as the MNIST models) runs in the batched or vector layout "
                            + "(--layout batched or vector)");
                }
            } else if ((n.op() instanceof AvgPool a && !a.pureSum()) || (n.op() instanceof GlobalAvgPool g
                    && g.scale() != 1.0)) {
                throw new UnsupportedNetworkException(n.name(), "pooling divisors must be folded into the next "
                        + "weighted layer first (run the compilation passes)");
            }
        }
    }

    private boolean producesPending(Node n) {
        return n.op() instanceof Conv2d || n.op() instanceof ShortcutA || n.op() instanceof Add;
    }

    public int topLevel() {
        return top;
    }

    public int depth(String node) {
        return depth.get(node);
    }

    /** Level of an activated value (input, activation output, pool): top − depth. */
    public int level(String node) {
        return top - depth.get(node);
    }

    /**
     * For a node producing a pending value (conv, shortcut, Add): the level of the activation that consumes it,
     * i.e. the level at which the value must be formed with scale sqrt(s·q_level).
     */
    public int activationLevel(String node) {
        List<String> consumers = model.consumers(node);
        if (consumers.size() != 1) {
            throw new UnsupportedNetworkException(node, "a weighted layer's output must have exactly one consumer "
                    + "(an activation or a residual Add), it has " + consumers.size());
        }
        Node c = model.node(consumers.get(0));
        if (c.op() instanceof Polynomial) {
            return top - depth.get(c.name()) + primesPerActivation;
        }
        if (c.op() instanceof Add) {
            return activationLevel(c.name());
        }
        throw new UnsupportedNetworkException(node, "a weighted layer must feed an activation or a residual Add, "
                + "not " + c.op().getClass().getSimpleName());
    }
}
