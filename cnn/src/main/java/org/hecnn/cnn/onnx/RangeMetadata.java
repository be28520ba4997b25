package org.hecnn.cnn.onnx;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.hecnn.cnn.model.CertifiedRange;

/**
 * Reads the certified value range that {@code training.certify} stores in an ONNX file's metadata_props
 * ({@code hecnn.range.images}, {@code .sources}, {@code .activation_input_max_abs} as a comma list,
 * {@code .output_max_abs}). A file without these keys has no certificate; a file with some of them, or with values
 * that do not parse, is malformed. Stateless and thread-safe.
 */
final class RangeMetadata {
    static final String PREFIX = "hecnn.range.";

    private RangeMetadata() {
    }

    /** The certified range in the metadata, if any. */
    static Optional<CertifiedRange> read(Map<String, String> metadata) {
        boolean any = metadata.keySet().stream().anyMatch(k -> k.startsWith(PREFIX));
        if (!any) {
            return Optional.empty();
        }
        try {
            long images = Long.parseLong(required(metadata, "images").trim());
            double[] sites = required(metadata, "activation_input_max_abs").isBlank() ? new double[0]
                    : Arrays.stream(required(metadata, "activation_input_max_abs").split(","))
                    .mapToDouble(v -> Double.parseDouble(v.trim())).toArray();
            double output = Double.parseDouble(required(metadata, "output_max_abs").trim());
            return Optional.of(new CertifiedRange(images, metadata.getOrDefault(PREFIX + "sources", ""), sites, output));
        } catch (NumberFormatException e) {
            throw new MalformedModelException("the model's certified range (metadata " + PREFIX + "*) does not parse: "
                    + e.getMessage() + "; certify the model again with training.certify");
        } catch (IllegalArgumentException e) {
            throw new MalformedModelException("the model's certified range (metadata " + PREFIX + "*) is invalid: "
                    + e.getMessage() + "; certify the model again with training.certify");
        }
    }

    private static String required(Map<String, String> metadata, String key) {
        String v = metadata.get(PREFIX + key);
        if (v == null) {
            throw new MalformedModelException("the model's certified range is incomplete: metadata " + PREFIX + key
                    + " is missing; certify the model again with training.certify");
        }
        return v;
    }
}
