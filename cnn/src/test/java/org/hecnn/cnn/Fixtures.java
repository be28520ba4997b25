package org.hecnn.cnn;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;

/** Reads the committed fixtures written by cnn/fixtures/export_fixtures.py. */
public final class Fixtures {
    /** Every fixture, as listed in MANIFEST.txt. */
    public static final List<String> ALL = List.of("resnet_a", "resnet_a_op11", "resnet_a_op17", "resnet_a_fused",
            "resnet_b", "cryptonets", "poly_mix", "relu_net", "training_resnet8", "training_wide8");

    private Fixtures() {
    }

    public static byte[] bytes(String file) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource fixtures/" + file);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Model model(String name) {
        return OnnxImporter.parse(bytes(name + ".onnx"), name);
    }

    /** A tensor in the text format: '#' comments, 'dims ...', one value per line. The batch axis is dropped. */
    public static Tensor tensor(String file) {
        String text = new String(bytes(file), StandardCharsets.US_ASCII);
        int[] dims = null;
        List<Double> vals = new ArrayList<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("dims")) {
                String[] p = line.substring(4).strip().split("\\s+");
                dims = new int[p.length - 1];
                for (int k = 1; k < p.length; k++) {
                    dims[k - 1] = Integer.parseInt(p[k]);
                }
                continue;
            }
            vals.add(Double.parseDouble(line));
        }
        double[] v = new double[vals.size()];
        for (int k = 0; k < v.length; k++) {
            v[k] = vals.get(k);
        }
        return Tensor.of(v, dims);
    }

    public static Tensor input(String name) {
        return tensor(name + ".input.txt");
    }

    public static Tensor expected(String name) {
        return tensor(name + ".expected.txt");
    }

    public static Tensor torch32(String name) {
        return tensor(name + ".torch32.txt");
    }
}
