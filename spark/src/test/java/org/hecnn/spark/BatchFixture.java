package org.hecnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.hecnn.cli.BatchFiles;
import org.hecnn.cli.Hecnn;
import picocli.CommandLine;

/**
 * The client side of the tests, through the `hecnn` commands themselves: synthetic 4x4 MNIST-format images, the
 * tiny chain model's service description (`hecnn describe`), and batches of requests encrypted by separate clients
 * (`hecnn requests encrypt`), each with its own client directory and secret key.
 */
final class BatchFixture {
    static final Path MODEL = Path.of("src/test/resources/tiny_chain.onnx").toAbsolutePath();
    /** Pixels of the MNIST normalisation, as the client applies it (MnistIdx). */
    static final double MEAN = 0.1307;
    static final double STD = 0.3081;
    static final int IMAGES = 24;

    private BatchFixture() {
    }

    /** Runs a hecnn command in this JVM; returns its exit status. */
    static int hecnn(String... args) {
        return new CommandLine(new Hecnn()).execute(args);
    }

    static void ok(String... args) {
        assertEquals(0, hecnn(args), String.join(" ", args));
    }

    /** {@link #IMAGES} random 4x4 images (labels 0..3) in MNIST IDX files; returns the images file. */
    static Path writeImages(Path dir) throws IOException {
        Random r = new Random(19);
        Path images = dir.resolve("t10k-images-idx3-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(images))) {
            out.writeInt(0x803);
            out.writeInt(IMAGES);
            out.writeInt(4);
            out.writeInt(4);
            for (int i = 0; i < IMAGES * 16; i++) {
                out.writeByte(r.nextInt(3) == 0 ? 0 : r.nextInt(256));
            }
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(
                "t10k-labels-idx1-ubyte")))) {
            out.writeInt(0x801);
            out.writeInt(IMAGES);
            for (int i = 0; i < IMAGES; i++) {
                out.writeByte(i % 4);
            }
        }
        return images;
    }

    /** Image i as the model's input (normalised as the client does it). */
    static double[] input(Path images, int i) throws IOException {
        byte[] all = Files.readAllBytes(images);
        double[] out = new double[16];
        for (int j = 0; j < 16; j++) {
            out[j] = ((all[16 + i * 16 + j] & 0xff) / 255.0 - MEAN) / STD;
        }
        return out;
    }

    /** `hecnn describe` of the tiny model. */
    static Path describe(Path dir, String name, String... extra) {
        Path d = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("describe", "--model", MODEL.toString(), "--backend", "cpu",
                "--out", d.toString()));
        args.addAll(List.of(extra));
        ok(args.toArray(String[]::new));
        return d;
    }

    /** `hecnn requests encrypt` of images [from, from + count) in requests of {@code batch}. */
    static void encrypt(Path description, Path images, Path client, Path batchDir, int from, int count, int batch) {
        ok("requests", "encrypt", "--description", description.toString(), "--data", images.toString(), "--from",
                String.valueOf(from), "--count", String.valueOf(count), "--batch", String.valueOf(batch), "--client",
                client.toString(), "--out", batchDir.toString(), "--backend", "cpu");
    }

    /** The only session folder a client wrote into {@code batchDir} among {@code sessionsBefore}. */
    static String newSession(Path batchDir, List<String> sessionsBefore) throws IOException {
        List<String> now = sessions(batchDir);
        now.removeAll(sessionsBefore);
        assertEquals(1, now.size(), "one new session: " + now);
        return now.get(0);
    }

    static List<String> sessions(Path batchDir) throws IOException {
        Path requests = batchDir.resolve(BatchFiles.REQUESTS);
        if (!Files.exists(requests)) {
            return new ArrayList<>();
        }
        try (Stream<Path> s = Files.list(requests)) {
            return new ArrayList<>(s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    /** Every regular file under {@code dir}, relative to it, sorted. */
    static List<String> files(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/')).sorted()
                    .toList();
        }
    }

    /** Copies a directory tree. */
    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
