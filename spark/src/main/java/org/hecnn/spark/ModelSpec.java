package org.hecnn.spark;

import java.io.Serializable;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * What every executor needs to compile the served network itself: the ONNX model's bytes, the model options (as
 * `hecnn describe` took them), the images per request and the service description the requests were made for. It is
 * broadcast once per job (kilobytes to megabytes, where the compiled network is gigabytes of plaintexts: see
 * docs/scale-out.md for the measurement behind compiling on each executor instead of broadcasting the network).
 *
 * @param modelName   the model file's name (for messages)
 * @param onnx        the model file's bytes
 * @param options     model options (--layout, --scale-bits, --backend, ...)
 * @param capacity    images per request of the description (the batched layout's ring follows from it)
 * @param description the description's bytes
 */
public record ModelSpec(String modelName, byte[] onnx, List<String> options, int capacity, byte[] description)
        implements Serializable {
    public ModelSpec {
        options = List.copyOf(options);
    }

    /** The model in a file of its own name in a fresh temporary folder (the model's name is its file's). */
    static java.nio.file.Path temporaryCopy(ModelSpec spec) throws java.io.IOException {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("hecnn-model-");
        return java.nio.file.Files.write(dir.resolve(spec.modelName()), spec.onnx());
    }

    static void deleteTemporaryCopy(java.nio.file.Path copy) throws java.io.IOException {
        java.nio.file.Files.deleteIfExists(copy);
        java.nio.file.Files.deleteIfExists(copy.getParent());
    }

    /** A digest of everything that decides the compiled network: the key of an executor's compiled network. */
    public String key() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(onnx);
            sha.update(String.join("\u0000", options).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update(Integer.toString(capacity).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update(description);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
