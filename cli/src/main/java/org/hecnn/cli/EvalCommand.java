package org.hecnn.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hecnn.HecnnException;
import org.hecnn.cnn.ensemble.EnsembleStack;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.NetworkCompiler;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.hecnn.inference.service.ServiceDescription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Accuracy on a range of a CIFAR-10 binary file (or of MNIST IDX data, through {@link ChainEval}): plaintext accuracy of the model, and (unless --plain) encrypted
 * accuracy, agreement between encrypted and plaintext predictions, the largest logit error and mean latency.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model on a range of CIFAR-10 or MNIST images, in plaintext and under encryption.")
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    RemoteOptions remote;

    /** Where a user gets the data eval reads. */
    static final String WHERE_DATA = "eval reads CIFAR-10 in its binary layout (test_batch.bin) or MNIST IDX files "
            + "(t10k-images-idx3-ubyte.gz with its labels file beside it); the README's section on data says where to "
            + "get them, and samples/cifar10_test_first10.bin is bundled";

    @Option(names = "--data", required = true, description = "CIFAR-10 binary file, or MNIST IDX images "
            + "(t10k-images-idx3-ubyte[.gz], labels read from the sibling file; runs the batched layout)")
    Path data;

    @Option(names = "--features", description = "a public feature extractor (ONNX) the client runs in plaintext; "
            + "the encrypted --model is the private head (batched layout)")
    Path features;

    @Option(names = "--input-range", split = ",", description = "lo,hi: the range of the encrypted model's inputs "
            + "the batched plan is proven for (default: the MNIST normalisation range; see the model card)")
    double[] inputRange;

    @Option(names = "--batch", description = "MNIST: images per evaluation, at least 1 (default: one per slot of "
            + "the smallest secure ring)")
    Integer batch;

    @Option(names = "--from", description = "first image index, 0 or more (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    int from;

    @Option(names = "--count", description = "number of images, at least 1 (default: all from --from); with "
            + "--closest-first the number of images to choose")
    Integer count;

    @Option(names = "--plain", description = "plaintext evaluation only")
    boolean plainOnly;

    @Option(names = "--together", description = "CIFAR: evaluate this many images in lockstep, at least 1, "
            + "converting each plaintext once for all of them (throughput; default: ${DEFAULT-VALUE})",
            defaultValue = "1")
    int together;

    @Option(names = "--records", description = "CIFAR, encrypted: append each image's result to this JSON-lines file "
            + "as it finishes, and take the images it already holds from it (a long run can stop and continue)")
    Path recordsFile;

    @Option(names = "--closest-first", description = "CIFAR, CNN layouts: evaluate every image from --from on in "
            + "plaintext, choose the --count with the smallest plaintext top-two margin (default: all of them) and "
            + "evaluate those, smallest margin first, so that a run stopped early (see --records) has covered the "
            + "predictions most likely to flip")
    boolean closestFirst;

    @Override
    public Integer call() {
        double[] range = inputRange != null ? inputRange : new double[] {MnistIdx.lowest(), MnistIdx.highest()};
        if (range.length != 2 || !(range[0] < range[1])) {
            throw new HecnnException("--input-range takes lo,hi with lo < hi");
        }
        OptionCheck.atLeast("--from", from, 0);
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
            if (plainOnly || features != null || recordsFile != null || closestFirst || together != 1) {
                throw new InvalidOptionException("with --server, eval takes only --data, --from, --count, --json and "
                        + "the connection options: the model (and so plaintext evaluation) is on the server");
            }
            return RemoteRun.eval(remote, options.backendProvider(), data, from, count, options.json);
        }
        boolean chain = MnistIdx.isIdxImages(data) || features != null || options.batched() || options.vector();
        if (chain && (recordsFile != null || closestFirst)) {
            throw new HecnnException((recordsFile != null ? "--records" : "--closest-first") + " applies to CIFAR-10 "
                    + "evaluation in the CNN layouts, not to chain networks (MNIST, --features, batched, vector)");
        }
        if (MnistIdx.isIdxImages(data)) {
            return ChainEval.run(options, data, ChainEval.mnist(data), null, range, from, count, batch, plainOnly);
        }
        if (chain) {
            return ChainEval.run(options, data, ChainEval.cifar(data), features == null ? null
                    : org.hecnn.cnn.onnx.OnnxImporter.load(InputFile.require("--features", features, "")), range,
                    from, count, batch, plainOnly);
        }
        if (recordsFile != null && plainOnly) {
            throw new HecnnException("--records keeps encrypted results; it does not apply with --plain");
        }
        int total = ImageInput.cifarCount(data);
        int pool = ImageRange.available(data, total, from, count);
        java.util.List<Model> members = options.members();
        Model imported = members.get(0);
        ImageInput.requireCifarShape(imported.inputShape());
        int memberCount = members.size();
        if (!plainOnly) {
            options.checkBeforeCompiling();
        }
        NetworkCompiler.Compiled compiled = plainOnly ? null : Phase.run("compiling " + imported.name(),
                () -> options.compile(members, true));
        // The compiled network's own prepared model (passes, clustering, stacking done once) is the reference.
        Model reference = compiled != null ? compiled.model() : options.reference(members);
        EvalRecords records = recordsFile == null || compiled == null ? EvalRecords.inMemory()
                : EvalRecords.open(recordsFile, configuration(compiled));
        // Plaintext evaluation of the images the run chooses from: the range, or with --closest-first all images
        // from --from on (the --count closest are chosen among them).
        int considered = closestFirst || count == null ? pool : count;
        int[] labels = new int[considered];
        double[][] plains = new double[considered][];
        Progress plainProgress = new Progress("plaintext");
        for (int i = 0; i < considered; i++) {
            ImageInput.Labelled img = ImageInput.cifar(data, from + i, ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD);
            labels[i] = img.label();
            plains[i] = PlainEvaluator.evaluate(reference, Tensor.of(InferCommand.flatten(img.pixels()),
                    imported.inputShape().dims())).toArray();
            plainProgress.update(i + 1, considered, "image " + (from + i));
        }
        java.util.List<Integer> chosen = new java.util.ArrayList<>();
        for (int i = 0; i < considered; i++) {
            chosen.add(i);
        }
        if (closestFirst) {
            chosen.sort(java.util.Comparator.comparingDouble(i -> margin(decisionScores(plains[i], memberCount))));
            chosen = chosen.subList(0, count == null ? considered : count);
        }
        int n = chosen.size();
        java.util.List<Integer> pending = chosen.stream().filter(i -> !records.has(from + i)).toList();
        int resumed = n - pending.size();
        Progress progress = new Progress("images");
        try (InferenceClient client = compiled == null || pending.isEmpty() ? null : new InferenceClient(
                ServiceDescription.fromBytes(new InferenceServer(compiled).description().toBytes(),
                        compiled.network().context().parameters().isInsecure()), options.backendProvider())) {
            InferenceServer.Session session = client == null ? null
                    : Phase.run("generating and sending the evaluation keys",
                            () -> KeyTransfer.open(client, new InferenceServer(compiled))).session();
            for (int first = 0; session != null && first < pending.size(); first += together) {
                java.util.List<Integer> group = pending.subList(first, Math.min(pending.size(), first + together));
                java.util.List<byte[]> requests = new java.util.ArrayList<>();
                for (int i : group) {
                    requests.add(client.encrypt(ImageInput.cifar(data, from + i, ImageInput.CIFAR_MEAN,
                            ImageInput.CIFAR_STD).pixels()));
                }
                long t0 = System.nanoTime();
                java.util.List<byte[]> responses = group.size() == 1
                        ? java.util.List.of(session.evaluate(requests.get(0), LayerProgress.NONE))
                        : session.evaluateTogether(requests, LayerProgress.NONE);
                double seconds = (System.nanoTime() - t0) / 1e9 / group.size();
                for (int j = 0; j < group.size(); j++) {
                    int i = group.get(j);
                    double[] logits = client.decrypt(responses.get(j));
                    double err = 0;
                    for (int k = 0; k < logits.length; k++) {
                        err = Math.max(err, Math.abs(logits[k] - plains[i][k]));
                    }
                    double[] scores = decisionScores(plains[i], memberCount);
                    records.add(new EvalRecords.Entry(from + i, labels[i], InferCommand.argMax(scores),
                            predicted(logits, client.members()), margin(scores), err, seconds));
                }
                progress.update(first + group.size(), pending.size(), "image " + (from + group.get(group.size() - 1)));
            }
        } finally {
            if (compiled != null) {
                compiled.close();
            }
        }
        int plainCorrect = 0;
        java.util.List<Integer> indices = new java.util.ArrayList<>();
        for (int i : chosen) {
            plainCorrect += predicted(plains[i], memberCount) == labels[i] ? 1 : 0;
            indices.add(from + i);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", n);
        m.put("members", memberCount);
        m.put("clusters", options.clusters);
        m.put("plaintextAccuracy", plainCorrect / (double) n);
        if (closestFirst) {
            m.put("imageIndices", indices);
        }
        Summary sum = plainOnly ? null : summarise(records, indices);
        if (!plainOnly) {
            m.put("rescaling", ModelOptions.rescalingName(compiled.targets()));
            m.put("accuracy", sum.correct / (double) n);
            m.put("agreement", sum.agree / (double) n);
            m.put("maxLogitError", sum.maxErr);
            m.put("meanSecondsPerImage", sum.seconds / n);
            m.put("imagesPerEvaluation", together);
            m.put("resumedImages", resumed);
            m.put("flips", sum.flips);
        } else {
            m.put("accuracy", plainCorrect / (double) n);
        }
        if (options.json) {
            System.out.println(Json.write(m));
        } else {
            System.out.printf(Locale.ROOT, "%d images from %s, model %s%n", n, data, reference.name());
            if (closestFirst) {
                System.out.println("the " + n + " of the smallest plaintext margin, closest first: " + indices);
            }
            System.out.printf(Locale.ROOT, "plaintext accuracy %.2f%%%n", 100.0 * plainCorrect / n);
            if (!plainOnly) {
                System.out.printf(Locale.ROOT, "encrypted accuracy %.2f%%, agreement with plaintext %.2f%%, largest "
                        + "logit error %.3e, %.2f s per image%s%s%n", 100.0 * sum.correct / n, 100.0 * sum.agree / n,
                        sum.maxErr, sum.seconds / n, together > 1 ? " (amortised: " + together
                        + " images in lockstep)" : "", resumed > 0 ? "; " + resumed + " images taken from "
                        + recordsFile : "");
                for (Map<String, Object> f : sum.flips) {
                    System.out.printf(Locale.ROOT, "  flipped: image %s, plaintext margin %.3g, logit error %.3g%n",
                            f.get("index"), f.get("plainMargin"), f.get("maxLogitError"));
                }
            }
        }
        return 0;
    }

    /** Totals over the images evaluated, every one of which has a record. */
    private record Summary(int correct, int agree, double maxErr, double seconds, java.util.List<Map<String, Object>> flips) {
    }

    private static Summary summarise(EvalRecords records, java.util.List<Integer> indices) {
        int correct = 0;
        int agree = 0;
        double maxErr = 0;
        double seconds = 0;
        java.util.List<Map<String, Object>> flips = new java.util.ArrayList<>();
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

    /** The scores a prediction is the arg-max of: the logits, or for an ensemble the members' mean softmax. */
    private static double[] decisionScores(double[] outputs, int members) {
        return members == 1 ? outputs : EnsembleStack.averageSoftmax(outputs, members);
    }

    /** Largest minus second-largest score. */
    private static double margin(double[] scores) {
        double top = Double.NEGATIVE_INFINITY;
        double second = Double.NEGATIVE_INFINITY;
        for (double v : scores) {
            if (v > top) {
                second = top;
                top = v;
            } else if (v > second) {
                second = v;
            }
        }
        return top - second;
    }

    /** The class an output vector predicts: for an ensemble, the arg-max of the members' mean softmax. */
    private static int predicted(double[] outputs, int members) {
        return InferCommand.argMax(decisionScores(outputs, members));
    }
}
