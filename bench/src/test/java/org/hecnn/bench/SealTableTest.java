package org.hecnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SealTable and SealBenchRun on trimmed sealbench (Google Benchmark) and JMH JSON of the real shape. The SEAL
 * fixtures are two runs, "before" and "after": MulCt 2.00 → 2.20 ms (+10 %), RelinInplace 20.0 → 22.0 ms,
 * Rotate 20.0 ms at 2^14 and 100 ms (written in ms) at 2^15, NTTForwardLowLevel 200 µs (CPU time half of it).
 */
class SealTableTest {

    private static Path fixture(String name) throws Exception {
        return Path.of(SealTableTest.class.getResource(name).toURI());
    }

    private static SealBenchRun seal(String name) throws Exception {
        return SealBenchRun.parse(Files.readString(fixture(name)), name);
    }

    private static String table(String... args) throws Exception {
        List<String> resolved = new ArrayList<>();
        for (String a : args) {
            resolved.add(a.endsWith(".json") ? fixture(a).toString() : a);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SealTable.run(resolved, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The table row of one op at one N. */
    private static String row(String table, String label, int logN) {
        return table.lines().filter(l -> l.startsWith("| " + label + " | 2^" + logN + " |")).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + label + " 2^" + logN + " in\n" + table));
    }

    @Test
    void readsOnlyTheMedianAggregatesInMicroseconds() throws Exception {
        SealBenchRun before = seal("sealbench-before-n14-n15.json");
        assertEquals(5, before.real().size());
        assertEquals(2000.0, before.real().get("CKKS / EvaluateMulCt|14"), 1e-9);
        assertEquals(20000.0, before.real().get("CKKS / EvaluateRotate|14"), 1e-9);
        assertEquals(100_000.0, before.real().get("CKKS / EvaluateRotate|15"), 1e-9); // time_unit "ms"
        assertEquals(200.0, before.real().get("UTIL / NTTForwardLowLevel|14"), 1e-9);
        assertEquals(100.0, before.cpu().get("UTIL / NTTForwardLowLevel|14"), 1e-9);
        assertEquals("2026-12-07T18:00:00+00:00", before.date());
        assertEquals("0.50, 0.40, 0.30", before.loadAvg());
        // real / CPU over all medians: (2000 + 20000 + 20000 + 100000 + 200) / (same with 100 for the NTT)
        assertEquals(142_200.0 / 142_100.0, before.realOverCpu(), 1e-12);
    }

    @Test
    void refusesSealJsonWithoutMedians() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> seal("sealbench-no-repetitions.json"));
        assertTrue(e.getMessage().contains("no sealbench median"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SealBenchRun.parse("[]", "jmh"));
    }

    @Test
    void ratioIsOursOverTheMeanOfTheSealRunsWithTheirDrift() throws Exception {
        String t = table("--seal", "sealbench-before-n14-n15.json", "--seal", "sealbench-after-n14-n15.json",
                "jmh-cpu.json");
        // 1.05 ms against (2.00 + 2.20) / 2 = 2.10 ms
        assertEquals("| multiply ct×ct (no relin) | 2^14 | 1.05 ms | 900 µs | 2.00 ms → 2.20 ms | +10.0 % | 0.50 "
                + "| ≤ SEAL: met |", row(t, "multiply ct×ct (no relin)", 14));
        assertEquals("| rotate (1 step) | 2^14 | 11.0 ms | 10.0 ms | 20.0 ms → 20.0 ms | +0.0 % | 0.55 "
                + "| ≤ 0.5× SEAL: **missed** |", row(t, "rotate (1 step)", 14));
        assertEquals("| rotate (1 step) | 2^15 | 49.0 ms | 45.0 ms | 100 ms → 100 ms | +0.0 % | 0.49 "
                + "| ≤ 0.5× SEAL: met |", row(t, "rotate (1 step)", 15));
        assertTrue(row(t, "NTT forward, one prime", 14).contains("| 200 µs → 200 µs | +0.0 % | 0.20 |"));
        // 10.5 ms against 0.5 × 21.0 ms: met against the mean, missed against the faster run
        assertTrue(row(t, "relinearize", 14).contains("| 0.50 | ≤ 0.5× SEAL: met |"));
        assertTrue(t.contains("warning: the target verdict depends on which SEAL run is taken for relinearize 2^14"),
                t);
        // SEAL did not run EncodeDouble: that row says so and counts for no target
        assertTrue(row(t, "encode (double, N/2 slots)", 14).contains("| not measured | — | — | — |"));
        assertTrue(row(t, "hoisting speed-up (independent / hoisted)", 14).contains("| 1.50× |"));
        assertTrue(t.contains("targets: 4 met, 2 missed (rotate (1 step) 2^14: MISSED; hoisting 2^14: MISSED)"
                + "; the SEAL comparisons without a SEAL measurement are not counted"), t);
        assertTrue(t.contains("more than 5 % between its first and last run for multiply ct×ct (no relin) 2^14 "
                + "(+10.0 %), relinearize 2^14 (+10.0 %);"), t);
        assertTrue(t.contains("SEAL file 2: ") && t.contains("load average then 1.50, 1.00, 0.80"), t);
    }

    @Test
    void withoutSealJsonNoSealNumberAppears() throws Exception {
        String t = table("jmh-cpu.json");
        assertTrue(t.startsWith("SEAL: not measured"), t);
        for (String label : List.of("multiply ct×ct (no relin)", "relinearize", "NTT forward, one prime",
                "encode (double, N/2 slots)")) {
            assertTrue(row(t, label, 14).endsWith("| not measured | — | — | — |"), row(t, label, 14));
        }
        assertTrue(row(t, "rotate (1 step)", 15).endsWith("| not measured | — | — | — |"));
        assertTrue(t.contains("targets: 0 met, 1 missed (hoisting 2^14: MISSED)"), t);
        assertFalse(t.contains("SEAL: met") || t.contains("SEAL: **missed**"), t);
    }

    @Test
    void theKthFileWithAnOpIsItsKthRun() throws Exception {
        // sealbench.sh writes 2^14/2^15 and 2^16 to separate files; both files of a run count as that run
        SealBenchRun b1415 = new SealBenchRun("b", Map.of("CKKS / EvaluateRotate|14", 1.0), Map.of(), "", "");
        SealBenchRun b16 = new SealBenchRun("b16", Map.of("CKKS / EvaluateRotate|16", 10.0), Map.of(), "", "");
        SealBenchRun a1415 = new SealBenchRun("a", Map.of("CKKS / EvaluateRotate|14", 2.0), Map.of(), "", "");
        SealBenchRun a16 = new SealBenchRun("a16", Map.of("CKKS / EvaluateRotate|16", 20.0), Map.of(), "", "");
        List<SealBenchRun> runs = List.of(b1415, b16, a1415, a16);
        assertEquals(List.of(1.0, 2.0), SealTable.sealMedians(runs, "CKKS / EvaluateRotate", 14));
        assertEquals(List.of(10.0, 20.0), SealTable.sealMedians(runs, "CKKS / EvaluateRotate", 16));
        assertEquals(List.of(), SealTable.sealMedians(runs, "CKKS / EvaluateRotate", 15));
    }

    @Test
    void sealAndJmhFilesAreNotInterchangeable() {
        IllegalArgumentException asJmh = assertThrows(IllegalArgumentException.class,
                () -> table("sealbench-before-n14-n15.json"));
        assertTrue(asJmh.getMessage().contains("--seal"), asJmh.getMessage());
        assertThrows(IllegalArgumentException.class, () -> table("--seal", "jmh-cpu.json", "jmh-cpu.json"));
        assertThrows(IllegalArgumentException.class, () -> table("--seal", "sealbench-before-n14-n15.json"));
        assertThrows(IllegalArgumentException.class, () -> table("--sael", "jmh-cpu.json"));
    }
}
