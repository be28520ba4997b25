package org.hecnn.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hecnn.HecnnException;

/**
 * The per-image results of an encrypted evaluation. With a file (`eval --records`), every finished image is appended
 * to it as one JSON line, so a run of hours can stop at any point and a later run with the same file evaluates only
 * the images still missing. Every line carries the configuration it was measured under; a file holding another
 * configuration's results is refused rather than mixed in.
 */
final class EvalRecords {
    /** One image: its label, both predictions, the plaintext decision margin, the largest logit error, its time. */
    record Entry(int index, int label, int plainClass, int encryptedClass, double plainMargin, double maxLogitError,
            double seconds) {
        boolean agrees() {
            return plainClass == encryptedClass;
        }
    }

    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(\"[^\"]*\"|[^,}]+)");

    private final Path file;
    private final String configuration;
    private final Map<Integer, Entry> entries = new TreeMap<>();

    private EvalRecords(Path file, String configuration) {
        this.file = file;
        this.configuration = configuration;
    }

    /** Records kept only in memory. */
    static EvalRecords inMemory() {
        return new EvalRecords(null, "");
    }

    /**
     * Records backed by {@code file}: the entries it already holds are loaded (it may not exist yet). Fails if a line
     * is malformed or was measured under another configuration.
     */
    static EvalRecords open(Path file, String configuration) {
        EvalRecords r = new EvalRecords(file, configuration);
        if (!Files.exists(file)) {
            return r;
        }
        List<String> lines;
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
            lines = text.lines().toList();
        } catch (IOException | UncheckedIOException e) {
            throw new HecnnException("cannot read the records file " + file + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            boolean last = i == lines.size() - 1;
            Map<String, String> f = fields(line);
            if (!f.keySet().containsAll(List.of("configuration", "index", "label", "plainClass", "encryptedClass",
                    "plainMargin", "maxLogitError", "seconds"))) {
                throw new HecnnException("records file " + file + " line " + (i + 1) + " is not a complete record"
                        + (last && !text.endsWith("\n") ? " (the run was interrupted while writing it): delete that "
                        + "line and run again" : ": it was not written by `hecnn eval --records`; use another file"));
            }
            String conf = unquote(f.get("configuration"));
            if (!conf.equals(configuration)) {
                throw new HecnnException("records file " + file + " holds results of another configuration (" + conf
                        + ", this run: " + configuration + "): the model, data, parameters or clustering differ; "
                        + "give a new file to --records");
            }
            try {
                Entry e = new Entry(Integer.parseInt(f.get("index")), Integer.parseInt(f.get("label")),
                        Integer.parseInt(f.get("plainClass")), Integer.parseInt(f.get("encryptedClass")),
                        number(f.get("plainMargin")), number(f.get("maxLogitError")), number(f.get("seconds")));
                r.entries.put(e.index(), e);
            } catch (NumberFormatException ex) {
                throw new HecnnException("records file " + file + " line " + (i + 1) + " has a malformed number: "
                        + ex.getMessage(), ex);
            }
        }
        return r;
    }

    boolean has(int index) {
        return entries.containsKey(index);
    }

    Entry get(int index) {
        return entries.get(index);
    }

    /** Adds an image's result and, with a file, appends it there at once. */
    void add(Entry e) {
        entries.put(e.index(), e);
        if (file == null) {
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("configuration", configuration);
        m.put("index", e.index());
        m.put("label", e.label());
        m.put("plainClass", e.plainClass());
        m.put("encryptedClass", e.encryptedClass());
        m.put("plainMargin", e.plainMargin());
        m.put("maxLogitError", e.maxLogitError());
        m.put("seconds", e.seconds());
        try {
            Files.writeString(file, Json.write(m) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException ex) {
            throw new HecnnException("cannot append to the records file " + file + ": " + ex.getMessage(), ex);
        }
    }

    private static Map<String, String> fields(String line) {
        Map<String, String> f = new LinkedHashMap<>();
        if (!line.startsWith("{") || !line.endsWith("}")) {
            return f;
        }
        Matcher m = FIELD.matcher(line);
        while (m.find()) {
            f.put(m.group(1), m.group(2).strip());
        }
        return f;
    }

    /** A number as {@link Json} writes it ({@code null} for a non-finite value). */
    private static double number(String s) {
        return s.equals("null") ? Double.NaN : Double.parseDouble(s);
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
