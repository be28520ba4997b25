package org.hecnn.inference.cluster;

import org.hecnn.inference.ClusteredPerChannelConvolution;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Node;

/**
 * The plaintext-side cost of a (possibly clustered) model or ensemble under {@link ClusteredPerChannelConvolution},
 * computed from the weights alone, without a CKKS context: per convolution, the plaintext multiplications of one
 * evaluation (distinct non-zero values — or member tuples — per output channel and tap) and the plaintexts to
 * encode (distinct non-zero values per tap over the whole layer). The unclustered per-channel convolution needs one
 * multiplication and one plaintext per non-zero (output, input, tap). Taps that read only zero padding are counted
 * here (the layer skips them), so for tiny maps these are upper bounds.
 */
public final class ClusteredCost {
    /**
     * Totals over the convolutions.
     *
     * @param weights              non-zero weights (member tuples), i.e. unclustered multiplications and plaintexts
     * @param multiplications      clustered plaintext multiplications per evaluation
     * @param plaintexts           clustered weight plaintexts (distinct (tap, value) per layer)
     */
    public record Totals(long weights, long multiplications, long plaintexts) {
    }

    private ClusteredCost() {
    }

    /** Totals for an ensemble (one member: a single model) of identical architecture. */
    public static Totals of(List<Model> members) {
        long weights = 0;
        long mults = 0;
        long plaintexts = 0;
        List<Node> convs = members.get(0).nodesOf(Conv2d.class);
        for (int l = 0; l < convs.size(); l++) {
            double[][] w = new double[members.size()][];
            for (int m = 0; m < w.length; m++) {
                w[m] = ((Conv2d) members.get(m).nodesOf(Conv2d.class).get(l).op()).weight().toArray();
            }
            Conv2d c = (Conv2d) convs.get(l).op();
            int co = c.outChannels();
            int ci = c.inChannels();
            int taps = c.kernelH() * c.kernelW();
            for (int t = 0; t < taps; t++) {
                Set<List<Double>> perTap = new HashSet<>();
                for (int o = 0; o < co; o++) {
                    Set<List<Double>> perOutput = new HashSet<>();
                    for (int i = 0; i < ci; i++) {
                        int idx = (o * ci + i) * taps + t;
                        Double[] tuple = new Double[w.length];
                        boolean zero = true;
                        for (int m = 0; m < w.length; m++) {
                            tuple[m] = w[m][idx];
                            zero &= w[m][idx] == 0;
                        }
                        if (!zero) {
                            weights++;
                            perOutput.add(List.of(tuple));
                        }
                    }
                    mults += perOutput.size();
                    perTap.addAll(perOutput);
                }
                plaintexts += perTap.size();
            }
        }
        return new Totals(weights, mults, plaintexts);
    }
}
