package org.hecnn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hecnn.HecnnException;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.ServiceDescription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Writes the service description of a model compiled with the given options: what a client needs to make keys and
 * encrypt requests (parameters, input encoding, rotations, output decoding), and nothing of the model's weights. The
 * model's owner runs it once and hands the file to clients; a Spark job compiled from the same model and options
 * evaluates the requests they make with it.
 */
@Command(name = "describe", mixinStandardHelpOptions = true,
        description = "Write the service description of a model (for `hecnn requests encrypt`): no weights in it.")
final class DescribeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Option(names = "--out", required = true, description = "the description file to write")
    Path out;

    @Option(names = "--images-per-request", description = "images one request must carry, at least 1: the batched "
            + "layout takes the smallest secure ring for them (default: ${DEFAULT-VALUE}, the smallest ring; the "
            + "other layouts carry one image per request)", defaultValue = "1")
    int imagesPerRequest;

    @Override
    public Integer call() {
        OptionCheck.atLeast("--images-per-request", imagesPerRequest, 1);
        if (options.ensemble != null) {
            throw new InvalidOptionException("describe takes one --model: the batch job (module spark) evaluates one "
                    + "model, not an --ensemble");
        }
        ServiceDescription d;
        String model;
        try (LayoutNetwork built = options.network(options.familyOfModel(), imagesPerRequest, false)) {
            EncryptedNetwork network = built.network();
            d = network.description();
            model = network.name();
        }
        byte[] bytes = d.toBytes();
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(out, bytes);
        } catch (IOException e) {
            throw new HecnnException("cannot write " + out + ": " + e.getMessage(), e);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("description", out.toString());
        m.put("bytes", bytes.length);
        m.put("layout", ServiceLink.layoutOf(d));
        m.put("imagesPerRequest", d.capacity());
        m.put("ciphertextsPerRequest", d.requestCiphertexts());
        m.put("logN", d.parameters().logN());
        m.put("logQP", d.parameters().logQP());
        m.put("rotationKeys", d.rotationSteps().length);
        if (options.json) {
            System.out.println(Json.write(m));
        } else {
            System.out.printf(Locale.ROOT, "wrote %s (%d bytes): %s, %s layout, %d image%s per request, N = 2^%d, "
                    + "log QP %d, %d rotation steps%n", out, bytes.length, model, m.get("layout"), d.capacity(),
                    d.capacity() == 1 ? "" : "s", d.parameters().logN(), d.parameters().logQP(),
                    d.rotationSteps().length);
        }
        return 0;
    }
}
