package org.hecnn.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hecnn.HecnnException;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.io.MalformedDataException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hecnn requests encrypt}: a range of a dataset into request files of a batch directory (what is shipped to the
 * cluster: {@link BatchFiles}), with the session's evaluation-key file. It needs only the service description, never
 * the model. The secret key is made on first use and kept in the client directory (permissions 600), whose later
 * runs reuse it, so that all their requests belong to one session and one key file.
 */
@Command(name = "encrypt", mixinStandardHelpOptions = true,
        description = "Encrypt a range of images into request files and an evaluation-key file for a batch job.")
final class EncryptRequestsCommand implements Callable<Integer> {
    @Option(names = "--description", required = true, description = "the service description (`hecnn describe` "
            + "by the model's owner): all the client needs of the model")
    Path description;

    @Option(names = "--data", required = true, description = "CIFAR-10 binary file, or MNIST IDX images "
            + "(labels read from the sibling file)")
    Path data;

    @Option(names = "--features", description = "a public feature extractor (ONNX) run here in plaintext before "
            + "encryption (private transfer learning: the service is the private head)")
    Path features;

    @Option(names = "--from", description = "first image index, 0 or more (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    int from;

    @Option(names = "--count", description = "number of images, at least 1 (default: all from --from)")
    Integer count;

    @Option(names = "--batch", description = "images per request, at least 1 (default: as many as the service "
            + "takes)")
    Integer batch;

    @Option(names = "--client", required = true, description = "the client's own directory: the secret key "
            + "(made on first use, permissions 600; never ship it), the description and the index of the requests; "
            + "reused by later runs and by `requests decrypt`")
    Path client;

    @Option(names = "--out", required = true, description = "the batch directory to ship to the cluster: "
            + "service.desc, keys/SESSION.hks and requests/SESSION/ID.hct")
    Path out;

    @Option(names = "--backend", description = "backend of the client's encryption: cpu, cuda, opencl, reference or "
            + "auto (default: ${DEFAULT-VALUE})", defaultValue = "auto")
    String backend;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public Integer call() {
        OptionCheck.atLeast("--from", from, 0);
        if (count != null) {
            OptionCheck.atLeast("--count", count, 1);
        }
        if (batch != null) {
            OptionCheck.atLeast("--batch", batch, 1);
        }
        InputFile.require("--description", description, "the model's owner writes it with `hecnn describe`");
        InputFile.require("--data", data, EvalCommand.WHERE_DATA);
        if (data.toString().contains("\t")) {
            throw new InvalidOptionException("--data: a path with a tab character cannot be indexed");
        }
        byte[] descriptionBytes = ClientDirectory.read(description, "--description");
        ServiceDescription service;
        try {
            service = ServiceDescription.fromBytes(descriptionBytes, false);
        } catch (MalformedDataException e) {
            throw new HecnnException("--description " + description + " is not a hecnn service description: "
                    + e.getMessage(), e);
        }
        Path shipped = out.resolve(BatchFiles.DESCRIPTION);
        if (Files.exists(shipped) && !Arrays.equals(ClientDirectory.read(shipped, "the batch's description"),
                descriptionBytes)) {
            throw new HecnnException("--out " + out + " holds requests for another service description: use a new "
                    + "batch directory for this service");
        }
        if (out.toAbsolutePath().normalize().startsWith(client.toAbsolutePath().normalize())
                || client.toAbsolutePath().normalize().startsWith(out.toAbsolutePath().normalize())) {
            throw new InvalidOptionException("--client and --out must not contain each other: the batch directory is "
                    + "shipped to the cluster, the client directory holds the secret key");
        }
        EvalImages images = EvalImages.open(data, features);
        int pool = ImageRange.available(data, images.count(), from, count);
        int n = count == null ? pool : count;
        int values = service.input().valuesPerImage();
        images.requireFits("of this service", values + " values", values, from);
        int perRequest = batch == null ? service.capacity() : Math.min(batch, service.capacity());

        ClientDirectory dir = ClientDirectory.at(client);
        long t0 = System.nanoTime();
        org.hecnn.backend.BackendProvider provider = BackendChoice.select(backend);
        try (InferenceClient c = dir.openOrCreate(service, descriptionBytes, provider)) {
            String session = BatchFiles.session(c.fingerprint());
            ClientDirectory.writeAtomically(shipped, o -> o.write(descriptionBytes));
            Path keys = out.resolve(BatchFiles.keyFile(session));
            long keyBytes;
            if (Files.exists(keys)) {
                keyBytes = size(keys);
            } else {
                Phase.run("generating the evaluation keys", () -> {
                    ClientDirectory.writeAtomically(keys, c::writeEvaluationKeys);
                    return keys;
                });
                keyBytes = size(keys);
            }
            long keysDone = System.nanoTime();
            List<ClientDirectory.Entry> existing = dir.entries();
            int next = existing.stream().mapToInt(e -> Integer.parseInt(e.id())).max().orElse(-1) + 1;
            List<ClientDirectory.Entry> made = new ArrayList<>();
            long requestBytes = 0;
            Progress progress = new Progress("requests");
            for (int start = 0; start < n; start += perRequest) {
                int k = Math.min(perRequest, n - start);
                double[][] inputs = new double[k][];
                int[] indices = new int[k];
                int[] labels = new int[k];
                for (int j = 0; j < k; j++) {
                    indices[j] = from + start + j;
                    inputs[j] = images.input(indices[j]);
                    labels[j] = images.label(indices[j]);
                }
                String id = String.format(Locale.ROOT, "%06d", next + made.size());
                Path file = out.resolve(BatchFiles.requestFile(session, id));
                if (Files.exists(file)) {
                    throw new HecnnException(file + " exists already but the client directory " + client + " does "
                            + "not list it: this batch directory belongs to another client directory");
                }
                byte[] request = c.encrypt(inputs);
                ClientDirectory.writeAtomically(file, o -> o.write(request));
                requestBytes += request.length;
                ClientDirectory.Entry e = new ClientDirectory.Entry(id, session,
                        data.toAbsolutePath().normalize().toString(), indices, labels);
                made.add(e);
                dir.append(List.of(e)); // at once: a run stopped half-way keeps the index of what it wrote
                progress.update(start + k, n, "request " + id);
            }
            double encryptSeconds = (System.nanoTime() - keysDone) / 1e9;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("session", session);
            m.put("images", n);
            m.put("requests", made.size());
            m.put("firstRequest", made.get(0).id());
            m.put("imagesPerRequest", perRequest);
            m.put("requestBytes", requestBytes);
            m.put("keyBytes", keyBytes);
            m.put("keySeconds", (keysDone - t0) / 1e9);
            m.put("encryptSeconds", encryptSeconds);
            m.put("batch", out.toString());
            m.put("client", client.toString());
            if (json) {
                System.out.println(Json.write(m));
            } else {
                System.out.printf(Locale.ROOT, "%d images in %d requests (%d per request, %.1f MiB) and the "
                        + "evaluation keys (%.1f MiB) of session %s written to %s; the secret key stays in %s%n",
                        n, made.size(), perRequest, requestBytes / 1048576.0, keyBytes / 1048576.0,
                        session.substring(0, 16), out, dir.secretKey());
            }
            return 0;
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new HecnnException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
