package org.hecnn.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hecnn.cnn.model.Model;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.batched.BatchedPlan;
import org.hecnn.inference.vector.VectorNetwork;

/**
 * The vector layout of a chain network (one image per evaluation, neurons in slots): its derived logit error bound
 * and per-stage plan (level and slot period of each stage).
 *
 * @param range the input range the plan is proven for
 */
record VectorLayout(VectorNetwork net, Model reference, double[] range) implements LayoutNetwork {
    @Override
    public EncryptedNetwork network() {
        return net;
    }

    private double errorBound() {
        return net.plan().errorBound(net.context().parameters());
    }

    @Override
    public void summary(Map<String, Object> json) {
        json.put("rotationKeys", net.rotationSteps().length);
        json.put("errorBound", errorBound());
    }

    @Override
    public List<String> notes() {
        return List.of(String.format(Locale.ROOT, "levels:      %d of %d data primes (bits, q0 first: %s), %d "
                + "rotation keys; derived logit error bound %.2e (%.0f sigma)", net.plan().levels(),
                net.context().parameters().maxLevel() + 1, Arrays.toString(net.plan().dataPrimeBits()),
                net.rotationSteps().length, errorBound(), BatchedPlan.SIGMAS));
    }

    @Override
    public void plan(Map<String, Object> json) {
        json.put("dataPrimeBits", net.plan().dataPrimeBits());
        json.put("inputRange", range);
        json.put("errorBound", errorBound());
        List<Object> layers = new ArrayList<>();
        for (VectorNetwork.StagePlan s : net.stagePlans()) {
            layers.add(Json.object("node", s.nodes(), "kind", s.kind(), "level", s.level(), "period", s.period(),
                    "counts", PlanCommand.counts(s.counts())));
        }
        json.put("layers", layers);
    }

    @Override
    public void printPlan() {
        System.out.printf(Locale.ROOT, "%-18s %-18s %5s %6s %6s %6s %6s %5s %5s %5s%n", "layer", "kind", "level",
                "period", "ptmul", "rot", "hoist", "add", "ctct", "resc");
        for (VectorNetwork.StagePlan s : net.stagePlans()) {
            OpCounts c = s.counts();
            System.out.printf(Locale.ROOT, "%-18s %-18s %5d %6d %6d %6d %6d %5d %5d %5d%n",
                    PlanCommand.shorten(s.nodes(), 18), s.kind(), s.level(), s.period(), c.plainMultiplications(),
                    c.rotations(), c.hoistedRotations(), c.additions(), c.ctCtMultiplications(), c.rescales());
        }
        OpCounts total = net.plannedCounts();
        System.out.printf(Locale.ROOT, "%-18s %-18s %5s %6s %6d %6d %6d %5d %5d %5d%n", "total", "", "", "",
                total.plainMultiplications(), total.rotations(), total.hoistedRotations(), total.additions(),
                total.ctCtMultiplications(), total.rescales());
    }
}
