package org.hecnn.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Prints a markdown table of JMH results (the JSON written with {@code -rf json}) beside Microsoft SEAL 4.4.3's
 * sealbench medians read from SEAL's own JSON output, with the ratio and the target for each operation.
 * Ours is the JMH SampleTime median (p0.50). SEAL's numbers are never built in: they come from sealbench runs
 * given with {@code --seal}, ideally one before and one after our suite in the same window ({@code scripts/bench
 * seal}); the spread between those runs shows how much the machine drifted. Without {@code --seal} the SEAL
 * column reads "not measured".
 *
 * <p>Usage: {@code java -cp hecnn-bench.jar org.hecnn.bench.SealTable [--seal sealbench.json ...]
 * results.json[.gz] ...}. Each {@code --seal} file is one sealbench run (or part of one: sealbench.sh writes
 * N = 2^14/2^15 and N = 2^16 to separate files); for each operation and N the k-th file that has it is run k.
 */
public final class SealTable {
    private SealTable() {
    }

    /**
     * One row kind: the JMH benchmark, its label, sealbench's case ("CKKS / EvaluateRotate"; null: none) and
     * the target as the largest allowed ratio ours / SEAL.
     */
    private record Op(String benchmark, String label, String seal, double maxRatio) {
    }

    static final List<Op> OPS = List.of(
            new Op("NttBench.nttForward", "NTT forward, one prime", "UTIL / NTTForwardLowLevel", 1.0),
            new Op("NttBench.nttInverse", "NTT inverse, one prime", "UTIL / NTTInverseLowLevel", 1.0),
            new Op("EncodeEncryptBench.encode", "encode (double, N/2 slots)", "CKKS / EncodeDouble", 1.0),
            new Op("EncodeEncryptBench.encrypt", "encrypt (public key)", "CKKS / EncryptPublic", 1.0),
            new Op("EvaluatorBench.multiplyNoRelin", "multiply ct×ct (no relin)", "CKKS / EvaluateMulCt", 1.0),
            new Op("EvaluatorBench.relinearize", "relinearize", "CKKS / EvaluateRelinInplace", 0.5),
            new Op("EvaluatorBench.rotate", "rotate (1 step)", "CKKS / EvaluateRotate", 0.5),
            new Op("EvaluatorBench.rescale", "rescale", "CKKS / EvaluateRescaleInplace", 1.0),
            new Op("HoistedRotationBench.rotate8Hoisted", "8 rotations, hoisted", null, 0),
            new Op("HoistedRotationBench.rotate8Independent", "8 rotations, independent", null, 0),
            new Op("KeySwitch1ThreadBench.keySwitch", "key switch, 1 thread", null, 0),
            new Op("KeySwitch2ThreadsBench.keySwitch", "key switch, 2 threads", null, 0));

    static final double HOISTING_TARGET = 2.0;
    static final double THREADS_TARGET = 1.7;
    /** SEAL medians that move more than this between the window's runs are reported: the window was not quiet. */
    static final double DRIFT_WARNING = 0.05;

    /** Median and fastest sample in µs, and the sample count, of one benchmark at one parameter point. */
    record Result(double micros, double minMicros, long samples) {
    }

    public static void main(String[] args) throws IOException {
        try {
            run(List.of(args), System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("SealTable: " + e.getMessage());
            System.err.println("usage: SealTable [--seal sealbench.json ...] results.json[.gz] ...  "
                    + "(JMH output of -rf json; sealbench's Google Benchmark JSON)");
            System.exit(2);
        }
    }

    /** Parses the arguments, reads every file and prints one table per backend to {@code out}. */
    static void run(List<String> args, PrintStream out) throws IOException {
        List<SealBenchRun> seal = new ArrayList<>();
        List<String> jmh = new ArrayList<>();
        for (int k = 0; k < args.size(); k++) {
            String a = args.get(k);
            if (a.equals("--seal")) {
                if (++k == args.size()) {
                    throw new IllegalArgumentException("--seal needs a file");
                }
                seal.add(SealBenchRun.parse(read(Path.of(args.get(k))), args.get(k)));
            } else if (a.startsWith("--seal=")) {
                String f = a.substring("--seal=".length());
                seal.add(SealBenchRun.parse(read(Path.of(f)), f));
            } else if (a.startsWith("-")) {
                throw new IllegalArgumentException("unknown option " + a);
            } else {
                jmh.add(a);
            }
        }
        if (jmh.isEmpty()) {
            throw new IllegalArgumentException("no JMH result file given");
        }
        // backend -> "benchmark|logN" -> result
        Map<String, Map<String, Result>> byBackend = new LinkedHashMap<>();
        for (String file : jmh) {
            parseJmh(read(Path.of(file)), byBackend);
        }
        printSealRuns(out, seal);
        for (Map.Entry<String, Map<String, Result>> e : byBackend.entrySet()) {
            print(out, e.getKey(), e.getValue(), seal);
        }
    }

    /** Adds one JMH JSON document's results to {@code byBackend} (backend -> "benchmark|logN" -> result). */
    static void parseJmh(String json, Map<String, Map<String, Result>> byBackend) {
        Object root = new Json(json).parse();
        if (!(root instanceof List<?> runs)) {
            throw new IllegalArgumentException("not JMH JSON (expected an array of runs); a sealbench file "
                    + "goes after --seal");
        }
        for (Object o : runs) {
            Map<?, ?> run = (Map<?, ?>) o;
            String benchmark = ((String) run.get("benchmark")).replaceFirst("^org\\.hecnn\\.bench\\.", "");
            Map<?, ?> params = (Map<?, ?>) run.get("params");
            String backend = params == null ? "?" : String.valueOf(params.get("backend"));
            String logN = params == null ? "?" : String.valueOf(params.get("logN"));
            Map<?, ?> metric = (Map<?, ?>) run.get("primaryMetric");
            Map<?, ?> pct = (Map<?, ?>) metric.get("scorePercentiles");
            Object median = pct == null ? null : pct.get("50.0");
            Object min = pct == null ? null : pct.get("0.0");
            double value = median instanceof Double d ? d : (Double) metric.get("score");
            double unit = unitToMicros((String) metric.get("scoreUnit"));
            double minValue = min instanceof Double d ? d : Double.NaN;
            byBackend.computeIfAbsent(backend, b -> new LinkedHashMap<>())
                    .put(benchmark + "|" + logN, new Result(value * unit, minValue * unit, sampleCount(metric)));
        }
    }

    /** The file's text; gzip-compressed when its name ends in .gz (the archived results in bench/results). */
    private static String read(Path file) throws IOException {
        if (!file.toString().endsWith(".gz")) {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(file))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static long sampleCount(Map<?, ?> metric) {
        Object hist = metric.get("rawDataHistogram");
        long n = 0;
        if (hist instanceof List<?> forks) {
            for (Object fork : forks) {
                for (Object iteration : (List<?>) fork) {
                    for (Object bin : (List<?>) iteration) {
                        n += ((Double) ((List<?>) bin).get(1)).longValue();
                    }
                }
            }
        }
        return n;
    }

    private static double unitToMicros(String unit) {
        return switch (unit) {
            case "ns/op" -> 1e-3;
            case "us/op" -> 1;
            case "ms/op" -> 1e3;
            case "s/op" -> 1e6;
            default -> throw new IllegalArgumentException("unexpected JMH score unit " + unit
                    + " (run in SampleTime or AverageTime mode)");
        };
    }

    private static void printSealRuns(PrintStream out, List<SealBenchRun> seal) {
        if (seal.isEmpty()) {
            out.println("SEAL: not measured (no sealbench JSON given; `scripts/bench seal` runs SEAL before and "
                    + "after our suite in one window and passes both runs with --seal)");
            return;
        }
        for (int k = 0; k < seal.size(); k++) {
            SealBenchRun r = seal.get(k);
            TreeSet<Integer> logNs = new TreeSet<>();
            for (String key : r.real().keySet()) {
                logNs.add(Integer.parseInt(key.substring(key.indexOf('|') + 1)));
            }
            out.println("SEAL file " + (k + 1) + ": " + r.source()
                    + (r.date().isEmpty() ? "" : ", started " + r.date())
                    + (r.loadAvg().isEmpty() ? "" : ", load average then " + r.loadAvg())
                    + ", N = " + String.join(", ", logNs.stream().map(l -> "2^" + l).toList())
                    + (Double.isNaN(r.realOverCpu()) ? ""
                    : String.format(Locale.ROOT, ", real / CPU time %.3f", r.realOverCpu())));
        }
    }

    /** SEAL's medians for one case and N, one per --seal file that has it, in the order given. */
    static List<Double> sealMedians(List<SealBenchRun> seal, String sealName, int logN) {
        List<Double> medians = new ArrayList<>();
        for (SealBenchRun r : seal) {
            Double v = r.real().get(SealBenchRun.key(sealName, logN));
            if (v != null) {
                medians.add(v);
            }
        }
        return medians;
    }

    static void print(PrintStream out, String backend, Map<String, Result> results, List<SealBenchRun> seal) {
        TreeSet<Integer> logNs = new TreeSet<>();
        for (String key : results.keySet()) {
            try {
                logNs.add(Integer.parseInt(key.substring(key.indexOf('|') + 1)));
            } catch (NumberFormatException ignored) {
                // no logN parameter: not one of ours
            }
        }
        out.println();
        out.println("backend `" + backend + "`; ours = JMH SampleTime median (p0.50); SEAL 4.4.3 = sealbench median "
                + "of 5 repetitions (real time), no HEXL, one thread, one value per SEAL run in the order given "
                + "(before → after our suite); ratio = ours (median) / mean of SEAL's runs; drift = SEAL's last "
                + "run against its first; fastest = the fastest single sample (a guide to the uncontended time "
                + "when other processes share the cores). Everything on one thread (-Dhecnn.threads=1) except "
                + "the 2-thread key switch.");
        out.println();
        out.println("| op | N | ours (median) | ours (fastest) | SEAL (each run) | SEAL drift | ratio | target |");
        out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |");
        List<String> verdicts = new ArrayList<>();
        List<String> drifted = new ArrayList<>();
        List<String> borderline = new ArrayList<>();
        boolean sealMissing = false;
        for (Op op : OPS) {
            for (int logN : logNs) {
                Result r = results.get(op.benchmark + "|" + logN);
                if (r == null) {
                    continue;
                }
                String sealText = "—";
                String drift = "—";
                String ratio = "—";
                String target = "—";
                if (op.seal != null) {
                    List<Double> medians = sealMedians(seal, op.seal, logN);
                    if (medians.isEmpty()) {
                        sealText = "not measured";
                        sealMissing = true;
                    } else {
                        double mean = medians.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
                        double first = medians.getFirst();
                        double last = medians.getLast();
                        sealText = String.join(" → ", medians.stream().map(SealTable::time).toList());
                        if (medians.size() > 1) {
                            double d = (last - first) / first;
                            drift = String.format(Locale.ROOT, "%+.1f %%", 100 * d);
                            if (Math.abs(d) > DRIFT_WARNING) {
                                drifted.add(op.label + " 2^" + logN + " (" + drift + ")");
                            }
                        }
                        ratio = String.format(Locale.ROOT, "%.2f", r.micros / mean);
                        boolean met = r.micros <= op.maxRatio * mean;
                        double lo = medians.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
                        double hi = medians.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                        if ((r.micros <= op.maxRatio * lo) != (r.micros <= op.maxRatio * hi)) {
                            borderline.add(op.label + " 2^" + logN);
                        }
                        target = (op.maxRatio == 1.0 ? "≤ SEAL" : String.format(Locale.ROOT, "≤ %.1f× SEAL",
                                op.maxRatio)) + (met ? ": met" : ": **missed**");
                        verdicts.add(op.label + " 2^" + logN + (met ? ": met" : ": MISSED"));
                    }
                }
                out.println("| " + op.label + " | 2^" + logN + " | " + time(r.micros) + " | "
                        + (Double.isNaN(r.minMicros) ? "—" : time(r.minMicros)) + " | " + sealText + " | "
                        + drift + " | " + ratio + " | " + target + " |");
            }
        }
        for (int logN : logNs) {
            Result hoisted = results.get("HoistedRotationBench.rotate8Hoisted|" + logN);
            Result independent = results.get("HoistedRotationBench.rotate8Independent|" + logN);
            if (hoisted != null && independent != null) {
                double speedup = independent.micros / hoisted.micros;
                boolean met = speedup >= HOISTING_TARGET;
                out.println("| hoisting speed-up (independent / hoisted) | 2^" + logN + " | "
                        + String.format(Locale.ROOT, "%.2f×", speedup) + " | "
                        + String.format(Locale.ROOT, "%.2f×", independent.minMicros / hoisted.minMicros)
                        + " | — | — | — | ≥ 2×"
                        + (met ? ": met" : ": **missed**") + " |");
                verdicts.add("hoisting 2^" + logN + (met ? ": met" : ": MISSED"));
            }
        }
        for (int logN : logNs) {
            Result one = results.get("KeySwitch1ThreadBench.keySwitch|" + logN);
            Result two = results.get("KeySwitch2ThreadsBench.keySwitch|" + logN);
            if (one != null && two != null) {
                double speedup = one.micros / two.micros;
                boolean met = speedup >= THREADS_TARGET;
                out.println("| key switch speed-up (1 thread / 2 threads) | 2^" + logN + " | "
                        + String.format(Locale.ROOT, "%.2f×", speedup) + " | "
                        + String.format(Locale.ROOT, "%.2f×", one.minMicros / two.minMicros)
                        + " | — | — | — | ≥ 1.6×"
                        + (met ? ": met" : ": **missed**") + " |");
                verdicts.add("2 threads 2^" + logN + (met ? ": met" : ": MISSED"));
            }
        }
        out.println();
        long missed = verdicts.stream().filter(v -> v.endsWith("MISSED")).count();
        out.println("targets: " + (verdicts.size() - missed) + " met, " + missed + " missed"
                + (missed > 0 ? " (" + String.join("; ", verdicts.stream().filter(v -> v.endsWith("MISSED")).toList())
                + ")" : "")
                + (sealMissing ? "; the SEAL comparisons without a SEAL measurement are not counted" : ""));
        if (!drifted.isEmpty()) {
            out.println(String.format(Locale.ROOT, "warning: SEAL's median moved by more than %.0f %% between its "
                    + "first and last run for ", 100 * DRIFT_WARNING) + String.join(", ", drifted)
                    + "; the window was not quiet, so ours moved too");
        }
        if (!borderline.isEmpty()) {
            out.println("warning: the target verdict depends on which SEAL run is taken for "
                    + String.join(", ", borderline));
        }
        List<String> few = new ArrayList<>();
        for (Map.Entry<String, Result> e : results.entrySet()) {
            if (e.getValue().samples > 0 && e.getValue().samples < 10) {
                few.add(e.getKey().replace('|', '@') + " (" + e.getValue().samples + ")");
            }
        }
        if (!few.isEmpty()) {
            out.println("warning: fewer than 10 samples behind the median of " + String.join(", ", few)
                    + "; lengthen the measurement (-r / -i) for a trustworthy median");
        }
    }

    /** µs below 1 ms, ms below 10 s, three significant figures. */
    static String time(double micros) {
        if (micros < 1_000) {
            return sig3(micros) + " µs";
        }
        if (micros < 10_000_000) {
            return sig3(micros / 1_000) + " ms";
        }
        return sig3(micros / 1_000_000) + " s";
    }

    private static String sig3(double v) {
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** A minimal JSON reader, enough for JMH's and Google Benchmark's result files: objects, arrays, strings, numbers, literals. */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        Object parse() {
            Object v = value();
            skip();
            if (i != s.length()) {
                throw error("trailing characters");
            }
            return v;
        }

        private Object value() {
            skip();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    skip();
                    if (peek('}')) {
                        return m;
                    }
                    do {
                        skip();
                        String key = string();
                        skip();
                        expect(':');
                        m.put(key, value());
                        skip();
                    } while (peek(','));
                    expect('}');
                    return m;
                }
                case '[' -> {
                    i++;
                    List<Object> list = new ArrayList<>();
                    skip();
                    if (peek(']')) {
                        return list;
                    }
                    do {
                        list.add(value());
                        skip();
                    } while (peek(','));
                    expect(']');
                    return list;
                }
                case '"' -> {
                    return string();
                }
                default -> {
                    if (s.startsWith("true", i)) {
                        i += 4;
                        return Boolean.TRUE;
                    }
                    if (s.startsWith("false", i)) {
                        i += 5;
                        return Boolean.FALSE;
                    }
                    if (s.startsWith("null", i)) {
                        i += 4;
                        return null;
                    }
                    int start = i;
                    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                        i++;
                    }
                    if (start == i) {
                        throw error("unexpected character '" + c + "'");
                    }
                    return Double.parseDouble(s.substring(start, i));
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
            throw error("unterminated string");
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("JSON: " + what + " at offset " + i);
        }
    }
}
