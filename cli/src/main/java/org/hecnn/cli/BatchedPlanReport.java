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

/** `plan --layout batched`: the batched plan with per-layer HOPs (power-of-two layers marked) and parameters. */
final class BatchedPlanReport {
    private BatchedPlanReport() {
    }

    static int print(ModelOptions options) {
        Model model = options.load();
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
        System.out.printf(Locale.ROOT, "data primes (bits, q0 first): %s; %d levels; logit error bound %.2e (%g sigma)%n",
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

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String shorten(String s) {
        return s.length() <= 18 ? s : "…" + s.substring(s.length() - 17);
    }
}
