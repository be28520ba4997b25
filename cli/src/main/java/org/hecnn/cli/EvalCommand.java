package org.hecnn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hecnn.HecnnException;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.packed.NetworkCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Accuracy on a range of a CIFAR-10 binary file or of MNIST IDX data, in any layout and against a local or remote
 * server: plaintext accuracy of the model, and (unless --plain) encrypted accuracy, agreement between encrypted and
 * plaintext predictions, the largest logit error and the time per evaluation and per image. The encrypted pass
 * ({@link EncryptedPass}) is one for every layout: requests of up to the service's capacity (one image per slot in
 * the batched layout), in lockstep with --together.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model on a range of CIFAR-10 or MNIST images, in plaintext and under encryption.")
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    RemoteOptions remote;

    @Mixin
    LocalKeyOptions keys;

    /** Where a user gets the data eval reads. */
    static final String WHERE_DATA = "eval reads CIFAR-10 in its binary layout (test_batch.bin) or MNIST IDX files "
            + "(t10k-images-idx3-ubyte.gz with its labels file beside it); the README's section on data says where to "
            + "get them, and samples/cifar10_test_first10.bin is bundled";

    @Option(names = "--data", required = true, description = "CIFAR-10 binary file, or MNIST IDX images "
            + "(t10k-images-idx3-ubyte[.gz], labels read from the sibling file; runs the batched layout unless "
            + "--layout says otherwise)")
    Path data;

    @Option(names = "--features", description = "a public feature extractor (ONNX) the client runs in plaintext; "
            + "the encrypted --model is the private head (batched layout unless --layout vector)")
    Path features;

    @Option(names = "--batch", description = "images per request, at least 1 (default: as many as the service "
            + "takes: one per slot of the smallest secure ring in the batched layout, else one)")
    Integer batch;

    @Option(names = "--from", description = "first image index, 0 or more (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    int from;

    @Option(names = "--count", description = "number of images, at least 1 (default: all from --from); with "
            + "--closest-first the number of images to choose")
    Integer count;

    @Option(names = "--plain", description = "plaintext evaluation only")
    boolean plainOnly;

    @Option(names = "--together", description = "evaluate this many requests in lockstep, at least 1: the CNN "
            + "layouts convert each plaintext once for all of them (throughput; default: ${DEFAULT-VALUE})",
            defaultValue = "1")
    int together;

    @Option(names = "--records", description = "CIFAR, CNN layouts, encrypted: append each image's result to this "
            + "JSON-lines file as it finishes, and take the images it already holds from it (a long run can stop and "
            + "continue)")
    Path recordsFile;

    @Option(names = "--closest-first", description = "CIFAR, CNN layouts: evaluate every image from --from on in "
            + "plaintext, choose the --count with the smallest plaintext top-two margin (default: all of them) and "
            + "evaluate those, smallest margin first, so that a run stopped early (see --records) has covered the "
            + "predictions most likely to flip")
    boolean closestFirst;

    @Override
    public Integer call() {
        OptionCheck.atLeast("--from", from, 0);
        keys.apply(remote.remote());
        if (count != null) {
            OptionCheck.atLeast("--count", count, 1);
        }
        if (batch != null) {
            OptionCheck.atLeast("--batch", batch, 1);
        }
        OptionCheck.atLeast("--together", together, 1);
        InputFile.require("--data", data, WHERE_DATA);
        if (remote.remote()) {
            options.requireNoModelFor("--server");
            if (plainOnly || recordsFile != null || closestFirst || together != 1) {
                throw new InvalidOptionException("with --server, eval takes only --data, --features, --batch, --from, "
                        + "--count, --json and the connection options: the model (and so plaintext evaluation) is on "
                        + "the server");
            }
        }
        EvalImages images = EvalImages.open(data, features);
        int pool = ImageRange.available(data, images.count(), from, count);
        if (remote.remote()) {
            try (ServiceLink link = remote.link(options.backendProvider())) {
                int values = link.description().input().valuesPerImage();
                images.requireFits(link.model(), values + " values", values, from);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("server", remote.server);
                m.put("model", link.model());
                m.put("images", count == null ? pool : count);
                return encrypted(m, link, null, images, range(count == null ? pool : count), null,
                        EvalRecords.inMemory());
            }
        }
        ModelOptions.Family auto = images.forChainNetworks() ? ModelOptions.Family.BATCHED : ModelOptions.Family.CNN;
        ModelOptions.Family family = options.family(auto);
        if (family != ModelOptions.Family.CNN && (recordsFile != null || closestFirst)) {
            throw new InvalidOptionException((recordsFile != null ? "--records" : "--closest-first") + " applies to "
                    + "CIFAR-10 evaluation in the CNN layouts, not to chain networks (MNIST, --features, batched, "
                    + "vector)");
        }
        if (recordsFile != null && plainOnly) {
            throw new InvalidOptionException("--records keeps encrypted results; it does not apply with --plain");
        }
        Model imported = options.members().get(0);
        images.requireFits(imported.name(), imported.inputShape().toString(), imported.inputShape().size(), from);
        try (LayoutNetwork built = plainOnly ? null : options.network(auto, batch != null ? batch : 1, true)) {
            return local(built, built != null ? built.reference() : options.reference(auto), images, pool);
        }
    }

    /** Indices 0..n-1. */
    private static List<Integer> range(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }

    /** Images per request: --batch, at most what the service takes. */
    private int perRequest(ServiceLink link) {
        return batch != null ? Math.min(batch, link.capacity()) : link.capacity();
    }

    /** Plaintext evaluation of the images the run chooses from, then (unless --plain) the encrypted pass. */
    private int local(LayoutNetwork built, Model reference, EvalImages images, int pool) {
        EvalRecords records = recordsFile != null && built instanceof PackedLayout p
                ? EvalRecords.open(recordsFile, configuration(p.compiled())) : EvalRecords.inMemory();
        int members = built != null ? built.network().description().members() : options.members().size();
        // the range, or with --closest-first all images from --from on (the --count closest are chosen among them)
        int considered = closestFirst || count == null ? pool : count;
        int[] labels = new int[considered];
        double[][] plains = new double[considered][];
        Progress plainProgress = new Progress("plaintext");
        for (int i = 0; i < considered; i++) {
            labels[i] = images.label(from + i);
            plains[i] = PlainEvaluator.evaluate(reference, Tensor.of(images.input(from + i),
                    reference.inputShape().dims())).toArray();
            plainProgress.update(i + 1, considered, "image " + (from + i));
        }
        List<Integer> chosen = range(considered);
        if (closestFirst) {
            chosen.sort(Comparator.comparingDouble(i -> EncryptedPass.margin(EncryptedPass.decisionScores(plains[i],
                    members))));
            chosen = chosen.subList(0, count == null ? considered : count);
        }
        int plainCorrect = 0;
        List<Integer> indices = new ArrayList<>();
        for (int i : chosen) {
            plainCorrect += EncryptedPass.predicted(plains[i], members) == labels[i] ? 1 : 0;
            indices.add(from + i);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", reference.name());
        m.put("images", chosen.size());
        m.put("members", members);
        m.put("clusters", options.clusters);
        m.put("plaintextAccuracy", plainCorrect / (double) chosen.size());
        if (closestFirst) {
            m.put("imageIndices", indices);
        }
        if (built == null) {
            m.put("accuracy", plainCorrect / (double) chosen.size());
            return EvalReport.print(m, options.json, data, List.of());
        }
        try (ServiceLink link = new LocalLink(built.network(), options.backendProvider())) {
            return encrypted(m, link, built, images, chosen, plains, records);
        }
    }

    /**
     * The encrypted pass over the images {@code from + i} for each i of {@code chosen} (those not in {@code records}
     * yet) and the report, the same for every layout and for a local or remote server. With the plaintext model here
     * ({@code built}, {@code plains} by i) it adds agreement, the largest logit error, the flipped images, the layout's
     * own fields and the operations of one evaluation.
     */
    private int encrypted(Map<String, Object> m, ServiceLink link, LayoutNetwork built, EvalImages images,
                          List<Integer> chosen, double[][] plains, EvalRecords records) {
        List<Integer> pending = chosen.stream().filter(i -> !records.has(from + i)).toList();
        EncryptedPass pass = null;
        if (!pending.isEmpty()) {
            Phase.run("generating and sending the evaluation keys", link::openSession);
            pass = EncryptedPass.run(link, images, from, pending, plains, perRequest(link), together,
                    built != null && built.warmUp(), records);
        }
        Summary sum = summarise(records, chosen.stream().map(i -> from + i).toList());
        int n = chosen.size();
        m.put("accuracy", sum.correct / (double) n);
        if (built != null) {
            m.put("agreement", sum.agree / (double) n);
            m.put("maxLogitError", sum.maxErr);
            m.put("flips", sum.flips);
        }
        link.putParameters(m);
        if (built != null) {
            built.summary(m);
        }
        m.put("imagesPerEvaluation", perRequest(link) * together);
        m.put("meanSecondsPerImage", sum.seconds / n);
        m.put("amortisedMillisecondsPerImage", 1e3 * sum.seconds / n);
        if (pass != null) {
            m.put("evaluations", pass.calls());
            m.put("medianSecondsPerEvaluation", pass.medianSeconds());
            if (!link.remote()) {
                m.put("encryptSecondsPerEvaluation", pass.encryptSecondsPerCall());
                m.put("hops", PlanCommand.counts(pass.counts()));
            }
            if (!Double.isNaN(pass.warmupSeconds())) {
                m.put("warmupSeconds", pass.warmupSeconds());
            }
        }
        if (images.hasFeatures()) {
            m.put("clientFeatureSecondsPerImage", images.featureSeconds() / n);
        }
        m.put("resumedImages", n - pending.size());
        if (n > pending.size()) {
            m.put("resumedFrom", String.valueOf(recordsFile));
        }
        return EvalReport.print(m, options.json, data, built != null ? built.notes() : List.of());
    }

    /** Totals over the images evaluated, every one of which has a record. */
    private record Summary(int correct, int agree, double maxErr, double seconds, List<Map<String, Object>> flips) {
    }

    private static Summary summarise(EvalRecords records, List<Integer> indices) {
        int correct = 0;
        int agree = 0;
        double maxErr = 0;
        double seconds = 0;
        List<Map<String, Object>> flips = new ArrayList<>();
        for (int i : indices) {
            EvalRecords.Entry e = records.get(i);
            correct += e.encryptedClass() == e.label() ? 1 : 0;
            agree += e.agrees() ? 1 : 0;
            maxErr = Math.max(maxErr, e.maxLogitError());
            seconds += e.seconds();
            if (!e.agrees()) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("index", e.index());
                f.put("plainMargin", e.plainMargin());
                f.put("maxLogitError", e.maxLogitError());
                flips.add(f);
            }
        }
        return new Summary(correct, agree, maxErr, seconds, flips);
    }

    /**
     * What a --records file's lines are measured under: the model and data files (by SHA-256), the CKKS parameters,
     * the layout and the options that change the encrypted computation.
     */
    private String configuration(NetworkCompiler.Compiled compiled) {
        StringBuilder sb = new StringBuilder();
        for (Path p : options.memberPaths()) {
            sb.append(p.getFileName()).append(" sha256:").append(sha256(p)).append(", ");
        }
        NetworkCompiler.Options o = options.options();
        sb.append("data ").append(data.getFileName()).append(" sha256:").append(sha256(data))
                .append(", parameters ").append(compiled.network().context().parameters().fingerprintHex())
                .append(", layout ").append(compiled.network().layout())
                .append(", targets ").append(compiled.targets().scaleBits()).append('/')
                .append(compiled.targets().weightBits())
                .append(compiled.targets().separateRescales() ? " separate rescales" : " tower reuse")
                .append(", clusters ").append(o.clusters()).append(' ').append(o.granularity())
                .append(", baby steps ").append(o.maxBabySteps());
        return sb.toString().replace('"', '\'');
    }

    private static String sha256(Path p) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(p)) {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                sha.update(buf, 0, r);
            }
            return java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
            throw new HecnnException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
