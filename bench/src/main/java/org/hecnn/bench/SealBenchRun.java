package org.hecnn.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of Microsoft SEAL's sealbench, read from its Google Benchmark JSON ({@code --benchmark_out_format=json},
 * as {@code shared/anchors/seal/sealbench.sh run} and {@code scripts/bench seal} write it).
 *
 * <p>Only the {@code aggregate_name == "median"} entries count (sealbench runs 5 repetitions of 10 iterations;
 * the median is over the repetitions' means). Times are {@code real_time}, wall-clock like JMH's SampleTime,
 * converted from {@code time_unit} to microseconds; {@code cpu_time} is kept only to show how much of the wall
 * time the process was descheduled. sealbench is single-threaded, so the two agree on a quiet machine.
 *
 * @param source   the file name, for the report
 * @param real     "CATEGORY / Name|logN" (e.g. {@code "CKKS / EvaluateRotate|14"}) to the median real time in µs
 * @param cpu      the same keys to the median CPU time in µs
 * @param date     the run's {@code context.date}, or empty
 * @param loadAvg  the run's {@code context.load_avg} at its start, or empty
 */
record SealBenchRun(String source, Map<String, Double> real, Map<String, Double> cpu, String date, String loadAvg) {

    /** "n=16384 / log(q)=438 / CKKS / EvaluateMulCt" and whatever Google Benchmark appends ("/iterations:10"...). */
    private static final Pattern NAME = Pattern.compile("n=(\\d+) / log\\(q\\)=\\d+ / (\\w+) / (\\w+)");

    /** The key of one operation at one ring degree, as used in {@link #real()}. */
    static String key(String sealName, int logN) {
        return sealName + "|" + logN;
    }

    /** Reads one sealbench JSON document; fails if it holds no median aggregates (no repetitions were run). */
    static SealBenchRun parse(String json, String source) {
        Object root = new SealTable.Json(json).parse();
        if (!(root instanceof Map<?, ?> doc) || !(doc.get("benchmarks") instanceof List<?> benchmarks)) {
            throw new IllegalArgumentException(source + ": not Google Benchmark JSON (no \"benchmarks\" array)");
        }
        Map<String, Double> real = new LinkedHashMap<>();
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (Object o : benchmarks) {
            Map<?, ?> b = (Map<?, ?>) o;
            if (!"aggregate".equals(b.get("run_type")) || !"median".equals(b.get("aggregate_name"))) {
                continue;
            }
            String name = b.get("run_name") instanceof String s ? s
                    : ((String) b.get("name")).replaceFirst("_median$", "");
            Matcher m = NAME.matcher(name);
            if (!m.lookingAt()) {
                continue; // not one of sealbench's "n=... / log(q)=... / ..." cases
            }
            int n = Integer.parseInt(m.group(1));
            if (Integer.bitCount(n) != 1) {
                throw new IllegalArgumentException(source + ": ring degree " + n + " is not a power of two");
            }
            int logN = Integer.numberOfTrailingZeros(n);
            double unit = unitToMicros((String) b.get("time_unit"), source);
            String key = key(m.group(2) + " / " + m.group(3), logN);
            real.put(key, ((Double) b.get("real_time")) * unit);
            if (b.get("cpu_time") instanceof Double c) {
                cpu.put(key, c * unit);
            }
        }
        if (real.isEmpty()) {
            throw new IllegalArgumentException(source + ": no sealbench median aggregates (run sealbench with "
                    + "--benchmark_repetitions=5 --benchmark_report_aggregates_only=true, as sealbench.sh does)");
        }
        String date = "";
        String load = "";
        if (doc.get("context") instanceof Map<?, ?> context) {
            date = context.get("date") instanceof String d ? d : "";
            if (context.get("load_avg") instanceof List<?> l && !l.isEmpty()) {
                StringBuilder sb = new StringBuilder();
                for (Object v : l) {
                    sb.append(sb.isEmpty() ? "" : ", ").append(String.format(java.util.Locale.ROOT, "%.2f", v));
                }
                load = sb.toString();
            }
        }
        return new SealBenchRun(source, Map.copyOf(real), Map.copyOf(cpu), date, load);
    }

    /** Sum of real over sum of CPU time of this run's medians; NaN without CPU times. */
    double realOverCpu() {
        double r = 0;
        double c = 0;
        for (Map.Entry<String, Double> e : real.entrySet()) {
            Double ci = cpu.get(e.getKey());
            if (ci != null) {
                r += e.getValue();
                c += ci;
            }
        }
        return c > 0 ? r / c : Double.NaN;
    }

    private static double unitToMicros(String unit, String source) {
        return switch (unit == null ? "" : unit) {
            case "ns" -> 1e-3;
            case "us" -> 1;
            case "ms" -> 1e3;
            case "s" -> 1e6;
            default -> throw new IllegalArgumentException(source + ": unexpected time_unit " + unit);
        };
    }
}
