package org.hecnn.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.inference.HeNetwork;
import org.hecnn.inference.LayerPlan;
import org.hecnn.inference.NetworkCompiler;
import org.hecnn.inference.OpCounts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Prints the compiled plan: per layer level, scale, rotations, multiplications; totals with key and memory sizes. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Compile a model and print its encrypted-evaluation plan (no plaintexts are encoded).")
final class PlanCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Override
    public Integer call() {
        if (options.batched() || options.vector()) {
            return ChainPlanReport.print(options);
        }
        try (NetworkCompiler.Compiled compiled = options.compile(options.members(), false)) {
            HeNetwork net = compiled.network();
            CkksParameters p = net.context().parameters();
            List<LayerPlan> plan = net.plan();
            OpCounts total = net.totalCounts();
            int keys = net.rotationSteps().length + 1;
            int digits = net.context().ring().dnum();
            org.hecnn.inference.service.KeyFootprint footprint = org.hecnn.inference.service.KeyFootprint.of(net);
            long keyBytes = footprint.limbs() * p.n() * avgBits(p) / 8;
            long keyMemory = footprint.engineBytes();
            long ptBytes = plan.stream().mapToLong(LayerPlan::plaintextBytesIfNtt).sum();
            if (options.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", compiled.model().name());
                m.put("logN", p.logN());
                m.put("logQP", p.logQP());
                m.put("dataPrimes", p.dataPrimes().size());
                m.put("specialPrimes", p.specialPrimes().size());
                m.put("dnum", digits);
                m.put("scaleBits", Math.log(p.defaultScale()) / Math.log(2));
                m.put("layout", net.layout().name());
                m.put("rescaling", ModelOptions.rescalingName(compiled.targets()));
                m.put("decisions", compiled.decisions());
                m.put("levels", net.inputLevel());
                m.put("rotationKeys", keys - 1);
                m.put("evaluationKeyBytes", keyBytes);
                m.put("evaluationKeyMemoryBytes", keyMemory);
                m.put("plaintextBytesNtt", ptBytes);
                m.put("estimatedCost", net.estimatedCost());
                m.put("totals", counts(total));
                List<Object> layers = new ArrayList<>();
                for (LayerPlan l : plan) {
                    Map<String, Object> lm = new LinkedHashMap<>();
                    lm.put("node", l.node());
                    lm.put("kind", l.kind());
                    lm.put("level", l.level());
                    lm.put("scaleBits", l.scaleBits());
                    lm.put("ciphertexts", l.ciphertexts());
                    lm.put("counts", counts(l.counts()));
                    lm.put("plaintextBytesNtt", l.plaintextBytesIfNtt());
                    layers.add(lm);
                }
                m.put("layers", layers);
                System.out.println(Json.write(m));
                return 0;
            }
            System.out.println("model:      " + compiled.model().name() + " (" + plan.size() + " layers)");
            System.out.println("parameters: " + p);
            System.out.println("decisions:  " + compiled.decisions());
            System.out.printf(Locale.ROOT, "%-22s %-14s %5s %6s %4s %6s %6s %7s %5s %5s %9s%n", "layer", "kind",
                    "level", "scale", "cts", "rot", "hoist", "ptmul", "ctct", "resc", "pt MiB");
            for (LayerPlan l : plan) {
                OpCounts c = l.counts();
                System.out.printf(Locale.ROOT, "%-22s %-14s %5d %6.1f %4d %6d %6d %7d %5d %5d %9.1f%n",
                        shorten(l.node()), l.kind(), l.level(), l.scaleBits(), l.ciphertexts(), c.rotations(),
                        c.hoistedRotations(), c.plainMultiplications(), c.ctCtMultiplications(), c.rescales(),
                        l.plaintextBytesIfNtt() / 1048576.0);
            }
            System.out.printf(Locale.ROOT, "%-22s %-14s %5s %6s %4s %6d %6d %7d %5d %5d %9.1f%n", "total", "", "", "",
                    "", total.rotations(), total.hoistedRotations(), total.plainMultiplications(),
                    total.ctCtMultiplications(), total.rescales(), ptBytes / 1048576.0);
            System.out.printf(Locale.ROOT, "additions %d, constant multiplications %d, power-of-two multiplications %d, "
                    + "relinearisations %d, key switches %d%n", total.additions(), total.constantMultiplications(),
                    total.powerOfTwoMultiplications(), total.relinearizations(), total.keySwitches());
            System.out.printf(Locale.ROOT, "keys: relinearisation + %d rotation keys, each only up to the level it "
                    + "serves (at most %d digits): %.1f MiB serialised, %.1f MiB on a CPU engine%n", keys - 1, digits,
                    keyBytes / 1048576.0, keyMemory / 1048576.0);
            System.out.printf(Locale.ROOT, "estimated work: %.3g modular multiplications per image%n",
                    net.estimatedCost());
            return 0;
        }
    }

    private static String shorten(String s) {
        return s.length() <= 22 ? s : "…" + s.substring(s.length() - 21);
    }

    /** Limbs of a switching key for ciphertexts up to {@code level}: digits × (data limbs + special limbs). */
    private static int avgBits(CkksParameters p) {
        int bits = 0;
        int count = 0;
        for (long q : p.dataPrimes()) {
            bits += 64 - Long.numberOfLeadingZeros(q);
            count++;
        }
        for (long q : p.specialPrimes()) {
            bits += 64 - Long.numberOfLeadingZeros(q);
            count++;
        }
        return bits / count;
    }

    static Map<String, Object> counts(OpCounts c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ctCtMultiplications", c.ctCtMultiplications());
        m.put("relinearizations", c.relinearizations());
        m.put("plainMultiplications", c.plainMultiplications());
        m.put("constantMultiplications", c.constantMultiplications());
        m.put("powerOfTwoMultiplications", c.powerOfTwoMultiplications());
        m.put("additions", c.additions());
        m.put("rotations", c.rotations());
        m.put("hoistedRotations", c.hoistedRotations());
        m.put("decompositions", c.decompositions());
        m.put("rescales", c.rescales());
        return m;
    }
}
