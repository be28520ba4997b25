package org.hecnn.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.cnn.model.Model;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.batched.BatchedNetwork;
import org.hecnn.inference.batched.BatchedPlan;

/**
 * The batched layout of a chain network (one image per slot, one ciphertext per neuron): its derived logit error
 * bound and per-stage plan (power-of-two multiplications counted apart).
 *
 * @param range the input range the plan is proven for
 */
record BatchedLayout(BatchedNetwork net, Model reference, double[] range) implements LayoutNetwork {
    @Override
    public EncryptedNetwork network() {
        return net;
    }

    private double errorBound() {
        return net.plan().errorBound(net.context().parameters());
    }

    @Override
    public void summary(Map<String, Object> json) {
        json.put("errorBound", errorBound());
    }

    @Override
    public List<String> notes() {
        CkksParameters p = net.context().parameters();
        return List.of(String.format(Locale.ROOT, "levels:      %d, data primes (bits, q0 first) %s; %d images per "
                + "evaluation; derived logit error bound %.2e (%.0f sigma)", net.plan().levels(),
                Arrays.toString(net.plan().dataPrimeBits()), p.slots(), errorBound(), BatchedPlan.SIGMAS));
    }

    @Override
    public void plan(Map<String, Object> json) {
        json.put("dataPrimeBits", net.plan().dataPrimeBits());
        json.put("inputRange", range);
        json.put("errorBound", errorBound());
        List<Object> layers = new ArrayList<>();
        for (BatchedPlan.StagePlan s : net.plan().stagePlans()) {
            layers.add(Json.object("node", s.nodes(), "kind", s.kind(), "outputs", s.outputs(), "nonzeroWeights",
                    s.terms(), "scaleBits", s.logScale(), "valueBound", s.bound(), "counts",
                    PlanCommand.counts(s.counts())));
        }
        json.put("layers", layers);
    }

    @Override
    public void printPlan() {
        System.out.printf(Locale.ROOT, "%-18s %-12s %7s %8s %6s %9s %7s %7s %7s %5s %5s %5s%n", "layer", "kind",
                "outputs", "nonzero", "scale", "|value|<=", "add", "pow2", "cmul", "ctct", "relin", "resc");
        for (BatchedPlan.StagePlan s : net.plan().stagePlans()) {
            OpCounts c = s.counts();
            System.out.printf(Locale.ROOT, "%-18s %-12s %7d %8d %6.1f %9.3g %7d %7d %7d %5d %5d %5d%n",
                    PlanCommand.shorten(s.nodes(), 18), s.kind(), s.outputs(), s.terms(), s.logScale(), s.bound(),
                    c.additions(), c.powerOfTwoMultiplications(), c.constantMultiplications(),
                    c.ctCtMultiplications(), c.relinearizations(), c.rescales());
        }
        OpCounts total = net.plannedCounts();
        System.out.printf(Locale.ROOT, "%-18s %-12s %7s %8s %6s %9s %7d %7d %7d %5d %5d %5d%n", "total", "", "", "",
                "", "", total.additions(), total.powerOfTwoMultiplications(), total.constantMultiplications(),
                total.ctCtMultiplications(), total.relinearizations(), total.rescales());
        System.out.println("no rotations and no plaintext multiplications");
    }
}
