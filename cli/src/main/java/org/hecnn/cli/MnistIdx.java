package org.hecnn.cli;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.hecnn.HecnnException;

/**
 * MNIST in the IDX format (images: magic 0x803, labels: 0x801), plain or gzip-compressed, with the labels read
 * from the sibling file ({@code ...-images-idx3-ubyte} → {@code ...-labels-idx1-ubyte}). Pixels are normalised
 * as the training recipe does: (p / 255 − 0.1307) / 0.3081.
 */
final class MnistIdx {
    static final double MEAN = 0.1307;
    static final double STD = 0.3081;
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    final int count;
    final int rows;
    final int cols;
    private final byte[] pixels;
    private final byte[] labels;

    private MnistIdx(int count, int rows, int cols, byte[] pixels, byte[] labels) {
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
        this.labels = labels;
    }

    /** Whether the file starts like an IDX image file (after gunzip when it ends in .gz). */
    static boolean isIdxImages(Path file) {
        try (DataInputStream in = new DataInputStream(open(file))) {
            return in.readInt() == IMAGES_MAGIC;
        } catch (IOException e) {
            return false;
        }
    }

    static MnistIdx load(Path images) {
        Path labelsPath = images.resolveSibling(images.getFileName().toString().replace("images-idx3", "labels-idx1"));
        if (labelsPath.equals(images) || !Files.isRegularFile(labelsPath)) {
            throw new HecnnException("no labels file " + labelsPath + " next to " + images
                    + " (expected the MNIST name pattern ...-images-idx3-ubyte / ...-labels-idx1-ubyte)");
        }
        try (DataInputStream in = new DataInputStream(open(images));
             DataInputStream lin = new DataInputStream(open(labelsPath))) {
            if (in.readInt() != IMAGES_MAGIC) {
                throw new HecnnException(images + " is not an IDX image file (magic 0x00000803)");
            }
            int n = in.readInt();
            int r = in.readInt();
            int c = in.readInt();
            if (n < 1 || r < 1 || c < 1 || (long) n * r * c > Integer.MAX_VALUE - 8) {
                throw new HecnnException(images + ": implausible IDX header " + n + " x " + r + " x " + c);
            }
            byte[] px = in.readNBytes(n * r * c);
            if (px.length != n * r * c) {
                throw new HecnnException(images + " is truncated: " + px.length + " of " + (n * r * c) + " pixel bytes");
            }
            if (lin.readInt() != LABELS_MAGIC || lin.readInt() != n) {
                throw new HecnnException(labelsPath + " is not an IDX label file for " + n + " images");
            }
            byte[] lb = lin.readNBytes(n);
            if (lb.length != n) {
                throw new HecnnException(labelsPath + " is truncated");
            }
            return new MnistIdx(n, r, c, px, lb);
        } catch (IOException e) {
            throw new HecnnException("cannot read " + images + ": " + e.getMessage());
        }
    }

    private static InputStream open(Path file) throws IOException {
        byte[] head = Files.readAllBytes(file);
        InputStream in = new ByteArrayInputStream(head);
        return head.length > 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b ? new GZIPInputStream(in) : in;
    }

    /** Image i, normalised, row-major. */
    double[] image(int i) {
        int size = rows * cols;
        double[] x = new double[size];
        for (int k = 0; k < size; k++) {
            x[k] = ((pixels[i * size + k] & 0xff) / 255.0 - MEAN) / STD;
        }
        return x;
    }

    int label(int i) {
        return labels[i] & 0xff;
    }

    /** The normalised value of pixel 0 and of pixel 255: the input range. */
    static double lowest() {
        return -MEAN / STD;
    }

    static double highest() {
        return (1 - MEAN) / STD;
    }
}
