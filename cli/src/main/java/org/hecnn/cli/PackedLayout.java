package org.hecnn.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.cnn.model.Model;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.packed.HeNetwork;
import org.hecnn.inference.packed.LayerPlan;
import org.hecnn.inference.packed.NetworkCompiler;
import org.hecnn.inference.OpCounts;

/** The CNN layouts (packed or per-channel channel planes): the compiler's decisions and its per-layer plan. */
record PackedLayout(NetworkCompiler.Compiled compiled) implements LayoutNetwork {
    @Override
    public EncryptedNetwork network() {
        return compiled;
    }

    @Override
    public Model reference() {
        return compiled.model();
    }

    @Override
    public boolean warmUp() {
        return false;
    }

    @Override
    public void summary(Map<String, Object> json) {
        json.put("inputLevel", compiled.network().inputLevel());
        json.put("rescaling", ModelOptions.rescalingName(compiled.targets()));
    }

    @Override
    public List<String> notes() {
        HeNetwork net = compiled.network();
        return List.of("decisions:   " + compiled.decisions(), String.format(Locale.ROOT, "levels:      input at "
                + "level %d of %d, result at level 0", net.inputLevel(), net.context().parameters().maxLevel()));
    }

    @Override
    public void plan(Map<String, Object> json) {
        HeNetwork net = compiled.network();
        CkksParameters p = net.context().parameters();
        json.put("dataPrimes", p.dataPrimes().size());
        json.put("specialPrimes", p.specialPrimes().size());
        json.put("dnum", net.context().ring().dnum());
        json.put("scaleBits", Math.log(p.defaultScale()) / Math.log(2));
        json.put("rescaling", ModelOptions.rescalingName(compiled.targets()));
        json.put("decisions", compiled.decisions());
        json.put("plaintextBytesNtt", plaintextBytes());
        json.put("estimatedCost", net.estimatedCost());
        List<Object> layers = new ArrayList<>();
        for (LayerPlan l : net.plan()) {
            layers.add(Json.object("node", l.node(), "kind", l.kind(), "level", l.level(), "scaleBits", l.scaleBits(),
                    "ciphertexts", l.ciphertexts(), "counts", PlanCommand.counts(l.counts()),
                    "plaintextBytesNtt", l.plaintextBytesIfNtt()));
        }
        json.put("layers", layers);
    }

    private long plaintextBytes() {
        return compiled.network().plan().stream().mapToLong(LayerPlan::plaintextBytesIfNtt).sum();
    }

    @Override
    public void printPlan() {
        HeNetwork net = compiled.network();
        System.out.println("decisions:  " + compiled.decisions());
        System.out.printf(Locale.ROOT, "%-22s %-14s %5s %6s %4s %6s %6s %7s %5s %5s %9s%n", "layer", "kind",
                "level", "scale", "cts", "rot", "hoist", "ptmul", "ctct", "resc", "pt MiB");
        for (LayerPlan l : net.plan()) {
            OpCounts c = l.counts();
            System.out.printf(Locale.ROOT, "%-22s %-14s %5d %6.1f %4d %6d %6d %7d %5d %5d %9.1f%n",
                    PlanCommand.shorten(l.node(), 22), l.kind(), l.level(), l.scaleBits(), l.ciphertexts(),
                    c.rotations(), c.hoistedRotations(), c.plainMultiplications(), c.ctCtMultiplications(),
                    c.rescales(), l.plaintextBytesIfNtt() / 1048576.0);
        }
        OpCounts total = net.totalCounts();
        System.out.printf(Locale.ROOT, "%-22s %-14s %5s %6s %4s %6d %6d %7d %5d %5d %9.1f%n", "total", "", "", "",
                "", total.rotations(), total.hoistedRotations(), total.plainMultiplications(),
                total.ctCtMultiplications(), total.rescales(), plaintextBytes() / 1048576.0);
        System.out.printf(Locale.ROOT, "additions %d, constant multiplications %d, power-of-two multiplications %d, "
                + "relinearisations %d, key switches %d%n", total.additions(), total.constantMultiplications(),
                total.powerOfTwoMultiplications(), total.relinearizations(), total.keySwitches());
        System.out.printf(Locale.ROOT, "estimated work: %.3g modular multiplications per image%n",
                net.estimatedCost());
    }
}
