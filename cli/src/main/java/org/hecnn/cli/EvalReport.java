package org.hecnn.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints eval's results, for every layout and for a local or remote server, from the fields of its --json output. */
final class EvalReport {
    private EvalReport() {
    }

    /** Prints {@code m} as JSON, or as text with the layout's {@code notes}; returns the exit status. */
    static int print(Map<String, Object> m, boolean json, Path data, List<String> notes) {
        if (json) {
            System.out.println(Json.write(m));
            return 0;
        }
        int n = (Integer) m.get("images");
        System.out.printf(Locale.ROOT, "%d images from %s, model %s%s%n", n, data, m.get("model"),
                m.containsKey("server") ? " on " + m.get("server") : "");
        if (m.containsKey("imageIndices")) {
            System.out.println("the " + n + " of the smallest plaintext margin, closest first: "
                    + m.get("imageIndices"));
        }
        if (m.containsKey("plaintextAccuracy")) {
            System.out.printf(Locale.ROOT, "plaintext accuracy %.2f%%%n", 100 * (Double) m.get("plaintextAccuracy"));
        }
        if (!m.containsKey("layout")) {
            return 0;
        }
        int perEvaluation = (Integer) m.get("imagesPerEvaluation");
        System.out.printf(Locale.ROOT, "%s layout: N = 2^%d, log QP %d, %d levels, %d image%s per evaluation%n",
                m.get("layout"), m.get("logN"), m.get("logQP"), m.get("levels"), perEvaluation,
                perEvaluation == 1 ? "" : "s");
        notes.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "encrypted accuracy %.2f%%", 100 * (Double) m.get("accuracy"));
        if (m.containsKey("agreement")) {
            System.out.printf(Locale.ROOT, ", agreement with plaintext %.2f%%, largest logit error %.3e",
                    100 * (Double) m.get("agreement"), m.get("maxLogitError"));
        }
        System.out.printf(Locale.ROOT, ", %.3f s per image%s%n", m.get("meanSecondsPerImage"),
                m.containsKey("resumedFrom") ? "; " + m.get("resumedImages") + " images taken from "
                        + m.get("resumedFrom") : "");
        if (m.containsKey("evaluations")) {
            System.out.printf(Locale.ROOT, "%s: %.2f s per evaluation (median of %d)%s%n",
                    m.containsKey("server") ? "round trip" : "server", m.get("medianSecondsPerEvaluation"),
                    m.get("evaluations"), m.containsKey("encryptSecondsPerEvaluation") ? String.format(Locale.ROOT,
                            "; client encryption %.2f s per evaluation", m.get("encryptSecondsPerEvaluation")) : "");
        }
        if (m.containsKey("clientFeatureSecondsPerImage")) {
            System.out.printf(Locale.ROOT, "client: public features in plaintext %.3f s per image%n",
                    m.get("clientFeatureSecondsPerImage"));
        }
        if (m.get("flips") instanceof List<?> flips) {
            for (Object o : flips) {
                Map<?, ?> f = (Map<?, ?>) o;
                System.out.printf(Locale.ROOT, "  flipped: image %s, plaintext margin %.3g, logit error %.3g%n",
                        f.get("index"), f.get("plainMargin"), f.get("maxLogitError"));
            }
        }
        if (m.containsKey("hops")) {
            System.out.println("HOPs per evaluation: " + m.get("hops"));
        }
        return 0;
    }
}
