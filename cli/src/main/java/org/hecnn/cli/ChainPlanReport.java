package org.hecnn.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.cnn.model.Model;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.batched.BatchedCompiler;
import org.hecnn.inference.batched.BatchedPlan;
import org.hecnn.inference.batched.BatchedProgram;
import org.hecnn.inference.vector.VectorNetwork;
import org.hecnn.inference.vector.VectorPlan;
import org.hecnn.ckks.CkksContext;

/**
 * `plan --layout batched|vector` for chain networks: parameters, per-layer HOPs (power-of-two layers marked in the
 * batched layout), value bounds and the derived logit error bound.
 */
final class ChainPlanReport {
    private ChainPlanReport() {
    }

    static int print(ModelOptions options) {
        Model model = options.load();
        if (options.vector()) {
            return printVector(options, model);
        }
        BatchedPlan plan = BatchedCompiler.plan(model, MnistIdx.lowest(), MnistIdx.highest(),
                options.batchedPrecision());
        CkksParameters p = plan.parameters(1);
        List<BatchedPlan.StagePlan> stages = plan.stagePlans();
        OpCounts total = plan.counts();
        double bound = plan.errorBound(p);
        if (options.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.name());
            m.put("layout", "batched");
            m.put("logN", p.logN());
            m.put("logQP", p.logQP());
            m.put("dataPrimeBits", plan.dataPrimeBits());
            m.put("levels", plan.levels());
            m.put("imagesPerEvaluation", p.slots());
            m.put("inputRange", new double[] {MnistIdx.lowest(), MnistIdx.highest()});
            m.put("errorBound", bound);
            m.put("totals", PlanCommand.counts(total));
            List<Object> layers = new ArrayList<>();
            for (BatchedPlan.StagePlan s : stages) {
                Map<String, Object> lm = new LinkedHashMap<>();
                lm.put("node", s.nodes());
                lm.put("kind", s.kind());
                lm.put("outputs", s.outputs());
                lm.put("nonzeroWeights", s.terms());
                lm.put("scaleBits", s.logScale());
                lm.put("valueBound", s.bound());
                lm.put("counts", PlanCommand.counts(s.counts()));
                layers.add(lm);
            }
            m.put("layers", layers);
            System.out.println(Json.write(m));
            return 0;
        }
        System.out.println("model:      " + model.name() + " (batched layout: one image per slot, one ciphertext per "
                + "neuron; inputs in [" + fmt(MnistIdx.lowest()) + ", " + fmt(MnistIdx.highest()) + "])");
        System.out.println("parameters: " + p + "; " + p.slots() + " images per evaluation");
        System.out.printf(Locale.ROOT, "data primes (bits, q0 first): %s; %d levels; logit error bound %.2e (%.0f sigma)%n",
                java.util.Arrays.toString(plan.dataPrimeBits()), plan.levels(), bound, BatchedPlan.SIGMAS);
        System.out.printf(Locale.ROOT, "%-18s %-12s %7s %8s %6s %9s %7s %7s %7s %5s %5s %5s%n", "layer", "kind",
                "outputs", "nonzero", "scale", "|value|<=", "add", "pow2", "cmul", "ctct", "relin", "resc");
        for (BatchedPlan.StagePlan s : stages) {
            OpCounts c = s.counts();
            System.out.printf(Locale.ROOT, "%-18s %-12s %7d %8d %6.1f %9.3g %7d %7d %7d %5d %5d %5d%n",
                    shorten(s.nodes()), s.kind(), s.outputs(), s.terms(), s.logScale(), s.bound(), c.additions(),
                    c.powerOfTwoMultiplications(), c.constantMultiplications(), c.ctCtMultiplications(),
                    c.relinearizations(), c.rescales());
        }
        System.out.printf(Locale.ROOT, "%-18s %-12s %7s %8s %6s %9s %7d %7d %7d %5d %5d %5d%n", "total", "", "", "", "",
                "", total.additions(), total.powerOfTwoMultiplications(), total.constantMultiplications(),
                total.ctCtMultiplications(), total.relinearizations(), total.rescales());
        System.out.println("no rotations and no plaintext multiplications; keys: one relinearisation key");
        return 0;
    }

    private static int printVector(ModelOptions options, Model model) {
        VectorPlan plan = new VectorPlan(BatchedProgram.lower(model), MnistIdx.lowest(), MnistIdx.highest(),
                options.vectorScaleBits());
        CkksParameters p = plan.parameters();
        try (VectorNetwork net = new VectorNetwork(plan, CkksContext.create(p, options.backendProvider()))) {
            OpCounts total = net.counts();
            double bound = plan.errorBound(p);
            if (options.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", model.name());
                m.put("layout", "vector");
                m.put("logN", p.logN());
                m.put("logQP", p.logQP());
                m.put("dataPrimeBits", plan.dataPrimeBits());
                m.put("levels", plan.levels());
                m.put("rotationKeys", net.rotationSteps().length);
                m.put("errorBound", bound);
                m.put("totals", PlanCommand.counts(total));
                List<Object> layers = new ArrayList<>();
                for (VectorNetwork.StagePlan s : net.stagePlans()) {
                    Map<String, Object> lm = new LinkedHashMap<>();
                    lm.put("node", s.nodes());
                    lm.put("kind", s.kind());
                    lm.put("level", s.level());
                    lm.put("period", s.period());
                    lm.put("counts", PlanCommand.counts(s.counts()));
                    layers.add(lm);
                }
                m.put("layers", layers);
                System.out.println(Json.write(m));
                return 0;
            }
            System.out.println("model:      " + model.name() + " (vector layout: one image per evaluation, neurons in "
                    + "slots; inputs in [" + fmt(MnistIdx.lowest()) + ", " + fmt(MnistIdx.highest()) + "])");
            System.out.println("parameters: " + p);
            System.out.printf(Locale.ROOT, "%d levels, %d rotation keys, logit error bound %.2e (%.0f sigma)%n",
                    plan.levels(), net.rotationSteps().length, bound, BatchedPlan.SIGMAS);
            System.out.printf(Locale.ROOT, "%-18s %-18s %5s %6s %6s %6s %6s %5s %5s %5s%n", "layer", "kind", "level",
                    "period", "ptmul", "rot", "hoist", "add", "ctct", "resc");
            for (VectorNetwork.StagePlan s : net.stagePlans()) {
                OpCounts c = s.counts();
                System.out.printf(Locale.ROOT, "%-18s %-18s %5d %6d %6d %6d %6d %5d %5d %5d%n", shorten(s.nodes()),
                        s.kind(), s.level(), s.period(), c.plainMultiplications(), c.rotations(),
                        c.hoistedRotations(), c.additions(), c.ctCtMultiplications(), c.rescales());
            }
            System.out.printf(Locale.ROOT, "%-18s %-18s %5s %6s %6d %6d %6d %5d %5d %5d%n", "total", "", "", "",
                    total.plainMultiplications(), total.rotations(), total.hoistedRotations(), total.additions(),
                    total.ctCtMultiplications(), total.rescales());
            return 0;
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String shorten(String s) {
        return s.length() <= 18 ? s : "…" + s.substring(s.length() - 17);
    }
}
