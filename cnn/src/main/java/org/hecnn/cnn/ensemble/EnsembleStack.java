package org.hecnn.cnn.ensemble;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hecnn.cnn.cluster.EnsembleClustering;
import org.hecnn.cnn.model.Add;
import org.hecnn.cnn.model.AvgPool;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Input;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.ShortcutA;
import org.hecnn.cnn.model.Tensor;

/**
 * M prepared models of one architecture stacked into a single model that evaluates all of them in one pass on
 * one shared input (method part A, ensembles). Member m's channel c becomes channel c·M + m of the stacked maps,
 * so in a packed layout the members sit in interleaved slot blocks of the same ciphertexts and every block
 * diagonal of a convolution serves all members at once; convolutions and linear layers are block-diagonal over
 * the members (the zero blocks cost nothing), activations become per-channel polynomials carrying each member's
 * coefficients, and option-A shortcuts become 1×1 selection convolutions (how they are evaluated anyway). The
 * outputs are member-major: output k of member m is output m·K + k.
 *
 * <p>Stack models after the plaintext passes (and, for clustered ensembles, after joint clustering), since the
 * passes rescale weights per member.
 *
 * @param model   the stacked model
 * @param members how many models it holds
 * @param outputs outputs per member (K)
 */
public record EnsembleStack(Model model, int members, int outputs) {

    /** Stacks the members; a single member is returned as it is. */
    public static EnsembleStack of(List<Model> members) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("an ensemble needs at least one model");
        }
        Model first = members.get(0);
        if (!first.outputShape().flat()) {
            throw new IllegalArgumentException("ensemble members must end in a vector of outputs, " + first.name()
                    + " ends in " + first.outputShape());
        }
        int k = first.outputShape().size();
        if (members.size() == 1) {
            return new EnsembleStack(first, 1, k);
        }
        EnsembleClustering.requireSameArchitecture(members);
        return new EnsembleStack(new Stacker(members).build(), members.size(), k);
    }

    /** Member m's outputs from the stacked model's outputs. */
    public double[] memberOutputs(double[] stacked, int m) {
        if (stacked.length != members * outputs) {
            throw new IllegalArgumentException("expected " + members * outputs + " stacked outputs, got "
                    + stacked.length);
        }
        return java.util.Arrays.copyOfRange(stacked, m * outputs, (m + 1) * outputs);
    }

    /** The members' softmax distributions averaged (what the client reports for an ensemble). */
    public double[] averageSoftmax(double[] stacked) {
        memberOutputs(stacked, 0);
        return averageSoftmax(stacked, members);
    }

    /**
     * The softmax distributions of {@code members} member-major output blocks averaged: all a client needs to
     * read an ensemble's decrypted outputs (with one member, the softmax of the outputs).
     */
    public static double[] averageSoftmax(double[] stacked, int members) {
        if (members < 1 || stacked.length % members != 0) {
            throw new IllegalArgumentException(stacked.length + " outputs do not split into " + members + " members");
        }
        int k = stacked.length / members;
        double[] avg = new double[k];
        for (int m = 0; m < members; m++) {
            double[] p = softmax(java.util.Arrays.copyOfRange(stacked, m * k, (m + 1) * k));
            for (int j = 0; j < k; j++) {
                avg[j] += p[j] / members;
            }
        }
        return avg;
    }

    /** The softmax of a logit vector (shifted by its maximum for stability). */
    public static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            max = Math.max(max, v);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Builds the stacked graph node by node, tracking where each member's channels or features went. */
    private static final class Stacker {
        private final List<Model> members;
        private final int count;
        /** Node → [member][member index] → stacked index (channel of a map, feature of a vector). */
        private final Map<String, int[][]> positions = new HashMap<>();
        private final Model.Builder out;

        Stacker(List<Model> members) {
            this.members = members;
            this.count = members.size();
            this.out = Model.builder(members.get(0).name() + "-ensemble" + count).certifiedRange(jointRange(members));
        }

        /** The members' ranges joined (site by site the largest), or null unless every member is certified. */
        private static org.hecnn.cnn.model.CertifiedRange jointRange(List<Model> members) {
            org.hecnn.cnn.model.CertifiedRange joint = null;
            for (Model m : members) {
                org.hecnn.cnn.model.CertifiedRange r = m.certifiedRange().orElse(null);
                if (r == null) {
                    return null;
                }
                if (joint == null) {
                    joint = r;
                    continue;
                }
                double[] a = joint.activationInputMaxAbs();
                double[] b = r.activationInputMaxAbs();
                double[] max = new double[Math.max(a.length, b.length)];
                for (int i = 0; i < max.length; i++) {
                    max[i] = Math.max(i < a.length ? a[i] : 0, i < b.length ? b[i] : 0);
                }
                joint = new org.hecnn.cnn.model.CertifiedRange(Math.min(joint.images(), r.images()), joint.sources(), max,
                        Math.max(joint.outputMaxAbs(), r.outputMaxAbs()));
            }
            return joint;
        }

        Model build() {
            List<Node> nodes = members.get(0).nodes();
            for (int i = 0; i < nodes.size(); i++) {
                Node n = nodes.get(i);
                int index = i;
                List<Node> same = members.stream().map(m -> m.nodes().get(index)).toList();
                stack(n, same);
            }
            return out.build();
        }

        private void stack(Node n, List<Node> same) {
            String name = n.name();
            switch (n.op()) {
                case Input in -> {
                    out.input(name, in.shape());
                    int[][] p = new int[count][in.shape().channels()];
                    for (int[] row : p) {
                        for (int c = 0; c < row.length; c++) {
                            row[c] = c;
                        }
                    }
                    positions.put(name, p);
                }
                case Conv2d c -> {
                    int[][] in = positions.get(n.input());
                    int co = c.outChannels();
                    int kh = c.kernelH();
                    int kw = c.kernelW();
                    int stackedIn = width(in);
                    double[] w = new double[co * count * stackedIn * kh * kw];
                    double[] b = new double[co * count];
                    for (int m = 0; m < count; m++) {
                        Conv2d cm = (Conv2d) same.get(m).op();
                        for (int o = 0; o < co; o++) {
                            int so = o * count + m;
                            b[so] = cm.bias().get(o);
                            for (int ci = 0; ci < cm.inChannels(); ci++) {
                                for (int t = 0; t < kh * kw; t++) {
                                    w[((so * stackedIn) + in[m][ci]) * kh * kw + t] =
                                            cm.weight().get(((o * cm.inChannels()) + ci) * kh * kw + t);
                                }
                            }
                        }
                    }
                    out.add(name, new Conv2d(Tensor.of(w, co * count, stackedIn, kh, kw), Tensor.vector(b),
                            c.strideH(), c.strideW(), c.padTop(), c.padLeft(), c.padBottom(), c.padRight()),
                            n.inputs());
                    positions.put(name, interleaved(co));
                }
                case ShortcutA s -> {
                    int[][] in = positions.get(n.input());
                    int cin = in[0].length;
                    int co = cin + s.padBefore() + s.padAfter();
                    int stackedIn = width(in);
                    double[] w = new double[co * count * stackedIn];
                    for (int m = 0; m < count; m++) {
                        for (int c = 0; c < cin; c++) {
                            w[((c + s.padBefore()) * count + m) * stackedIn + in[m][c]] = 1.0;
                        }
                    }
                    out.add(name, Conv2d.of(Tensor.of(w, co * count, stackedIn, 1, 1), null, s.stride(), 0),
                            n.inputs());
                    positions.put(name, interleaved(co));
                }
                case Polynomial p -> {
                    int[][] in = positions.get(n.input());
                    int d = p.degree() + 1;
                    double[][] rows = new double[width(in)][d];
                    for (int m = 0; m < count; m++) {
                        Polynomial pm = (Polynomial) same.get(m).op();
                        if (pm.degree() + 1 != d) {
                            throw new IllegalArgumentException("ensemble members' activations at node " + name
                                    + " differ in degree");
                        }
                        for (int c = 0; c < in[m].length; c++) {
                            rows[in[m][c]] = pm.channelCoefficients(c);
                        }
                    }
                    out.add(name, Polynomial.perChannel(rows), n.inputs());
                    positions.put(name, in);
                }
                case Add a -> {
                    int[][] left = positions.get(n.inputs().get(0));
                    if (!java.util.Arrays.deepEquals(left, positions.get(n.inputs().get(1)))) {
                        throw new IllegalArgumentException("cannot stack the residual join " + name
                                + ": its operands place the members' channels differently");
                    }
                    out.add(name, a, n.inputs());
                    positions.put(name, left);
                }
                case AvgPool a -> samePerChannel(n, same, a);
                case GlobalAvgPool g -> samePerChannel(n, same, g);
                case Flatten f -> {
                    int[][] in = positions.get(n.input());
                    Node src = members.get(0).node(n.input());
                    int hw = src.shape().height() * src.shape().width();
                    int[][] p = new int[count][in[0].length * hw];
                    for (int m = 0; m < count; m++) {
                        for (int c = 0; c < in[m].length; c++) {
                            for (int q = 0; q < hw; q++) {
                                p[m][c * hw + q] = in[m][c] * hw + q;
                            }
                        }
                    }
                    out.add(name, f, n.inputs());
                    positions.put(name, p);
                }
                case Linear l -> {
                    int[][] in = positions.get(n.input());
                    int ko = l.outFeatures();
                    int stackedIn = width(in);
                    double[] w = new double[ko * count * stackedIn];
                    double[] b = new double[ko * count];
                    int[][] p = new int[count][ko];
                    for (int m = 0; m < count; m++) {
                        Linear lm = (Linear) same.get(m).op();
                        for (int k = 0; k < ko; k++) {
                            int so = m * ko + k;
                            p[m][k] = so;
                            b[so] = lm.bias().get(k);
                            for (int j = 0; j < lm.inFeatures(); j++) {
                                w[so * stackedIn + in[m][j]] = lm.weight().get(k * lm.inFeatures() + j);
                            }
                        }
                    }
                    out.add(name, new Linear(Tensor.of(w, ko * count, stackedIn), Tensor.vector(b)), n.inputs());
                    positions.put(name, p);
                }
                default -> throw new IllegalArgumentException("cannot stack node " + name + " (" + n.op().describe()
                        + "): stack members after the plaintext passes, which leave convolutions, polynomial "
                        + "activations, residual adds, pools, flatten and linear layers");
            }
        }

        /** Pools act per channel: the members' ops must agree, and the channel placement passes through. */
        private void samePerChannel(Node n, List<Node> same, Object op) {
            for (Node s : same) {
                if (!s.op().equals(op)) {
                    throw new IllegalArgumentException("ensemble members differ at pool " + n.name() + ": "
                            + s.op().describe() + " vs " + n.op().describe());
                }
            }
            out.add(n.name(), n.op(), n.inputs());
            positions.put(n.name(), positions.get(n.input()));
        }

        private int width(int[][] p) {
            int max = -1;
            for (int[] row : p) {
                for (int v : row) {
                    max = Math.max(max, v);
                }
            }
            return max + 1;
        }

        private int[][] interleaved(int channels) {
            int[][] p = new int[count][channels];
            for (int m = 0; m < count; m++) {
                for (int c = 0; c < channels; c++) {
                    p[m][c] = c * count + m;
                }
            }
            return p;
        }
    }
}
