package org.hecnn.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.inference.service.KeyFootprint;
import org.hecnn.inference.service.MemoryPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Prints the plan of the network {@link ModelOptions#network} builds, in any layout: parameters, levels, the
 * operations of one request, what a client's keys weigh, and the layout's per-layer (or per-stage) table.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Compile a model and print its encrypted-evaluation plan (no plaintexts are encoded).")
final class PlanCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    LocalKeyOptions keys;

    @Override
    public Integer call() {
        keys.apply(false);
        try (LayoutNetwork built = options.network(options.familyOfModel(), 1, false)) {
            EncryptedNetwork net = built.network();
            ServiceDescription d = net.description();
            CkksParameters p = net.context().parameters();
            KeyFootprint footprint = KeyFootprint.of(net);
            long keyBytes = footprint.limbs() * p.n() * avgBits(p) / 8;
            long keyMemory = footprint.engineBytes();
            int rotationKeys = footprint.keys() - 1;
            MemoryPlan memory = MemoryPlan.of(net);
            if (options.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", built.reference().name());
                m.put("layout", ServiceLink.layoutOf(d));
                m.put("logN", p.logN());
                m.put("logQP", p.logQP());
                m.put("levels", d.inputLevel());
                m.put("imagesPerEvaluation", d.capacity());
                m.put("rotationKeys", rotationKeys);
                m.put("evaluationKeyBytes", keyBytes);
                m.put("evaluationKeyMemoryBytes", keyMemory);
                Map<String, Object> mem = new LinkedHashMap<>();
                mem.put("plaintextBytes", memory.plaintextBytes());
                mem.put("limbPoolBytes", memory.limbPoolBytes());
                mem.put("keyBytes", memory.keyBytes());
                mem.put("workingSetBytes", memory.workingSetBytes());
                mem.put("liveBytes", memory.liveBytes());
                mem.put("heapBytes", memory.heapBytes());
                m.put("memory", mem);
                m.put("totals", counts(net.plannedCounts()));
                built.plan(m);
                System.out.println(Json.write(m));
                return 0;
            }
            System.out.println("model:      " + built.reference().name() + " (" + ServiceLink.layoutOf(d) + " layout; "
                    + d.capacity() + (d.capacity() == 1 ? " image" : " images") + " per evaluation)");
            System.out.println("parameters: " + p + "; " + d.inputLevel() + " levels");
            built.printPlan();
            System.out.printf(Locale.ROOT, "keys: relinearisation + %d rotation keys, each only up to the level it "
                    + "serves (at most %d digits): %.1f MiB serialised, %.1f MiB on a CPU engine%n", rotationKeys,
                    net.context().ring().dnum(), keyBytes / 1048576.0, keyMemory / 1048576.0);
            System.out.printf(Locale.ROOT, "memory: %.1f GiB live at the peak of an inference on a CPU engine "
                    + "(%s): a heap of %.1f GiB keeps it %d%% full (HECNN_HEAP=%dg)%n",
                    MemoryPlan.gib(memory.liveBytes()), memory.parts(), MemoryPlan.gib(memory.heapBytes()),
                    MemoryPlan.OCCUPANCY_PERCENT, memory.heapGiB());
            return 0;
        }
    }

    /** The mean bit length of the parameters' primes (data and special). */
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

    /** A layer or node name cut to {@code width} characters from the left (the end names it best). */
    static String shorten(String s, int width) {
        return s.length() <= width ? s : "…" + s.substring(s.length() - width + 1);
    }

    /** Operation counts as a --json object. */
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
