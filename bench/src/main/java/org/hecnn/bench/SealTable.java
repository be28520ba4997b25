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
 * timings on the development machine (no HEXL, one thread, sealbench median), with the ratio and the issue's
 * target for each operation. Ours is the JMH SampleTime median (p0.50).
 *
 * <p>Usage: {@code java -cp hecnn-bench.jar org.hecnn.bench.SealTable results.json [more.json[.gz] ...]}
 */
public final class SealTable {
    private SealTable() {
    }

    /** One row kind: the JMH benchmark, its label, SEAL's median in µs per log N (0: none) and a target. */
    private record Op(String benchmark, String label, Map<Integer, Double> sealMicros, double maxRatio) {
    }

    private static Map<Integer, Double> seal(double n14, double n15) {
        Map<Integer, Double> m = new LinkedHashMap<>();
        m.put(14, n14);
        m.put(15, n15);
        return m;
    }

    /** SEAL 4.4.3, no HEXL, one thread, sealbench median, same machine (issue 2). Microseconds. */
    private static final List<Op> OPS = List.of(
            new Op("NttBench.nttForward", "NTT forward, one prime", seal(222, 469), 1.0),
            new Op("NttBench.nttInverse", "NTT inverse, one prime", seal(168, 355), 1.0),
            new Op("EncodeEncryptBench.encode", "encode (double, N/2 slots)", seal(2_260, 8_940), 1.0),
            new Op("EncodeEncryptBench.encrypt", "encrypt (public key)", seal(13_100, 48_300), 1.0),
            new Op("EvaluatorBench.multiplyNoRelin", "multiply ct×ct (no relin)", seal(1_760, 6_850), 1.0),
            new Op("EvaluatorBench.relinearize", "relinearize", seal(19_900, 121_000), 0.5),
            new Op("EvaluatorBench.rotate", "rotate (1 step)", seal(20_200, 124_000), 0.5),
            new Op("EvaluatorBench.rescale", "rescale", seal(3_260, 13_800), 1.0),
            new Op("HoistedRotationBench.rotate8Hoisted", "8 rotations, hoisted", Map.of(), 0),
            new Op("HoistedRotationBench.rotate8Independent", "8 rotations, independent", Map.of(), 0),
            new Op("KeySwitch1ThreadBench.keySwitch", "key switch, 1 thread", Map.of(), 0),
            new Op("KeySwitch2ThreadsBench.keySwitch", "key switch, 2 threads", Map.of(), 0));

    static final double HOISTING_TARGET = 2.0;
    static final double THREADS_TARGET = 1.6;

    /** Median and fastest sample in µs, and the sample count, of one benchmark at one parameter point. */
    private record Result(double micros, double minMicros, long samples) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: SealTable results.json [more.json ...]  (JMH output of -rf json)");
            System.exit(2);
        }
        // backend -> "benchmark|logN" -> result
        Map<String, Map<String, Result>> byBackend = new LinkedHashMap<>();
        for (String file : args) {
            Object root = new Json(read(Path.of(file))).parse();
            for (Object o : (List<?>) root) {
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
        for (Map.Entry<String, Map<String, Result>> e : byBackend.entrySet()) {
            print(System.out, e.getKey(), e.getValue());
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

    private static void print(PrintStream out, String backend, Map<String, Result> results) {
        TreeSet<Integer> logNs = new TreeSet<>();
        for (String key : results.keySet()) {
            try {
                logNs.add(Integer.parseInt(key.substring(key.indexOf('|') + 1)));
            } catch (NumberFormatException ignored) {
                // no logN parameter: not one of ours
            }
        }
        out.println();
        out.println("backend `" + backend + "`; ours = JMH SampleTime median (p0.50); SEAL 4.4.3 = sealbench median, "
                + "no HEXL, one thread; ratio = ours (median) / SEAL; fastest = the fastest single sample (a "
                + "guide to the uncontended time when other processes share the cores). Everything on one thread "
                + "(-Dhecnn.threads=1) except the 2-thread key switch.");
        out.println();
        out.println("| op | N | ours (median) | ours (fastest) | SEAL | ratio | target |");
        out.println("| --- | --- | ---: | ---: | ---: | ---: | --- |");
        List<String> verdicts = new ArrayList<>();
        for (Op op : OPS) {
            for (int logN : logNs) {
                Result r = results.get(op.benchmark + "|" + logN);
                if (r == null) {
                    continue;
                }
                Double seal = op.sealMicros.get(logN);
                String sealText = seal == null ? "—" : time(seal);
                String ratio = seal == null ? "—" : String.format(Locale.ROOT, "%.2f", r.micros / seal);
                String target = "—";
                if (seal != null) {
                    boolean met = r.micros <= op.maxRatio * seal;
                    target = (op.maxRatio == 1.0 ? "≤ SEAL" : String.format(Locale.ROOT, "≤ %.1f× SEAL", op.maxRatio))
                            + (met ? ": met" : ": **missed**");
                    verdicts.add(op.label + " 2^" + logN + (met ? ": met" : ": MISSED"));
                }
                out.println("| " + op.label + " | 2^" + logN + " | " + time(r.micros) + " | "
                        + (Double.isNaN(r.minMicros) ? "—" : time(r.minMicros)) + " | " + sealText + " | "
                        + ratio + " | " + target + " |");
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
                        + " | — | — | ≥ 2×"
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
                        + " | — | — | ≥ 1.6×"
                        + (met ? ": met" : ": **missed**") + " |");
                verdicts.add("2 threads 2^" + logN + (met ? ": met" : ": MISSED"));
            }
        }
        out.println();
        long missed = verdicts.stream().filter(v -> v.endsWith("MISSED")).count();
        out.println("targets: " + (verdicts.size() - missed) + " met, " + missed + " missed"
                + (missed > 0 ? " (" + String.join("; ", verdicts.stream().filter(v -> v.endsWith("MISSED")).toList())
                + ")" : ""));
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

    /** A minimal JSON reader, enough for JMH's result files: objects, arrays, strings, numbers, literals. */
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
            return new IllegalArgumentException("JMH JSON: " + what + " at offset " + i);
        }
    }
}
