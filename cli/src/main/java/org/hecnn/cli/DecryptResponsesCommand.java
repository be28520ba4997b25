package org.hecnn.cli;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hecnn.HecnnException;
import org.hecnn.inference.service.InferenceClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hecnn requests decrypt}: the responses a batch job wrote for the requests of a client directory, decrypted
 * into predictions (CSV or JSON: each image's index, label, predicted class and logits, printed exactly). A request
 * without a response is reported with the job's error for it, if any; the others' predictions are still written.
 */
@Command(name = "decrypt", mixinStandardHelpOptions = true,
        description = "Decrypt a batch job's responses into predictions (CSV or JSON).")
final class DecryptResponsesCommand implements Callable<Integer> {
    /** Exit status when some requests have no response (the predictions of the others are written). */
    static final int INCOMPLETE = 1;

    @Option(names = "--client", required = true, description = "the client directory `requests encrypt` wrote "
            + "(secret key, description, index of the requests)")
    Path client;

    @Option(names = "--responses", required = true, description = "the job's output directory (responses/ and "
            + "errors/)")
    Path responses;

    @Option(names = "--out", required = true, description = "predictions file: .csv (request, image, label, "
            + "predicted, logits) or .json")
    Path out;

    @Option(names = "--backend", description = "backend of the client's decryption: cpu, cuda, opencl, reference or "
            + "auto (default: ${DEFAULT-VALUE})", defaultValue = "auto")
    String backend;

    @Option(names = "--json", description = "machine-readable summary")
    boolean json;

    /** One image's prediction. */
    private record Prediction(String request, int image, int label, int predicted, double[] logits) {
    }

    @Override
    public Integer call() {
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean asJson = name.endsWith(".json");
        if (!asJson && !name.endsWith(".csv")) {
            throw new InvalidOptionException("--out must name a .csv or a .json file (got " + out + ")");
        }
        if (!Files.isDirectory(responses)) {
            throw new HecnnException("--responses " + responses + " is not a directory: give the job's output "
                    + "directory");
        }
        ClientDirectory dir = ClientDirectory.at(client);
        List<ClientDirectory.Entry> entries = dir.entries();
        if (entries.isEmpty()) {
            throw new HecnnException("the client directory " + client + " lists no requests: run `hecnn requests "
                    + "encrypt` with it first");
        }
        List<Prediction> predictions = new ArrayList<>();
        List<Map<String, Object>> missing = new ArrayList<>();
        int correct = 0;
        try (InferenceClient c = dir.open(BackendChoice.select(backend))) {
            int members = c.members();
            Progress progress = new Progress("responses");
            int done = 0;
            for (ClientDirectory.Entry e : entries) {
                Path file = responses.resolve(BatchFiles.responseFile(e.session(), e.id()));
                String problem = null;
                if (!Files.exists(file)) {
                    Path error = responses.resolve(BatchFiles.errorFile(e.session(), e.id()));
                    problem = Files.exists(error) ? "the job failed it: " + text(error) : "no response";
                } else {
                    try {
                        double[][] logits = c.decrypt(ClientDirectory.read(file, "the response"), e.indices().length);
                        for (int j = 0; j < logits.length; j++) {
                            int predicted = EncryptedPass.predicted(logits[j], members);
                            correct += predicted == e.labels()[j] ? 1 : 0;
                            predictions.add(new Prediction(e.id(), e.indices()[j], e.labels()[j], predicted,
                                    logits[j]));
                        }
                    } catch (HecnnException ex) {
                        problem = "cannot decrypt " + file + ": " + ex.getMessage();
                    }
                }
                if (problem != null) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("request", e.id());
                    m.put("images", e.indices().length);
                    m.put("problem", problem);
                    missing.add(m);
                }
                progress.update(++done, entries.size(), "request " + e.id());
            }
        }
        ClientDirectory.writeAtomically(out, o -> {
            Writer w = new java.io.OutputStreamWriter(o, StandardCharsets.UTF_8);
            if (asJson) {
                writeJson(w, predictions, missing);
            } else {
                writeCsv(w, predictions);
            }
            w.flush();
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", entries.size());
        m.put("answered", entries.size() - missing.size());
        m.put("images", predictions.size());
        m.put("accuracy", predictions.isEmpty() ? Double.NaN : correct / (double) predictions.size());
        m.put("predictions", out.toString());
        m.put("unanswered", missing);
        if (json) {
            System.out.println(Json.write(m));
        } else {
            System.out.printf(Locale.ROOT, "%d images of %d requests decrypted into %s; accuracy against the labels "
                    + "%.2f%%%n", predictions.size(), entries.size() - missing.size(), out,
                    100.0 * correct / Math.max(1, predictions.size()));
        }
        if (!missing.isEmpty()) {
            System.err.printf(Locale.ROOT, "%d of %d requests have no prediction%s%n", missing.size(),
                    entries.size(), missing.stream().limit(5).map(x -> "\n  request " + x.get("request") + ": "
                            + x.get("problem")).reduce("", String::concat));
            return INCOMPLETE;
        }
        return 0;
    }

    private static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "(cannot read " + file + ")";
        }
    }

    /** One line per image; logits as Java prints doubles, which read back to the same bits. */
    private static void writeCsv(Writer w, List<Prediction> predictions) throws IOException {
        int outputs = predictions.isEmpty() ? 0 : predictions.get(0).logits().length;
        StringBuilder header = new StringBuilder("request,image,label,predicted");
        for (int i = 0; i < outputs; i++) {
            header.append(",logit_").append(i);
        }
        w.write(header.append('\n').toString());
        for (Prediction p : predictions) {
            StringBuilder sb = new StringBuilder();
            sb.append(p.request()).append(',').append(p.image()).append(',').append(p.label()).append(',')
                    .append(p.predicted());
            for (double v : p.logits()) {
                sb.append(',').append(v);
            }
            w.write(sb.append('\n').toString());
        }
    }

    private static void writeJson(Writer w, List<Prediction> predictions, List<Map<String, Object>> missing)
            throws IOException {
        w.write("{\"predictions\":[");
        for (int i = 0; i < predictions.size(); i++) {
            Prediction p = predictions.get(i);
            StringBuilder sb = new StringBuilder(i == 0 ? "\n" : ",\n");
            sb.append("{\"request\":\"").append(p.request()).append("\",\"image\":").append(p.image())
                    .append(",\"label\":").append(p.label()).append(",\"predicted\":").append(p.predicted())
                    .append(",\"logits\":[");
            for (int j = 0; j < p.logits().length; j++) {
                sb.append(j == 0 ? "" : ",").append(p.logits()[j]);
            }
            w.write(sb.append("]}").toString());
        }
        w.write("\n],\"unanswered\":" + Json.write(missing) + "}\n");
    }
}
