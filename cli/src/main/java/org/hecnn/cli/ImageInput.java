package org.hecnn.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.hecnn.HecnnException;

/**
 * Reads images for the CLI: PNG files, or records of a CIFAR-10 binary file (1 label byte + 3·32·32 bytes), and
 * normalises them per channel as the model was trained: (pixel/255 − mean) / std.
 */
final class ImageInput {
    static final int CIFAR_RECORD = 1 + 3 * 32 * 32;
    /** The CIFAR normalisation used by the training recipe. */
    static final double[] CIFAR_MEAN = {0.485, 0.456, 0.406};
    static final double[] CIFAR_STD = {0.229, 0.224, 0.225};

    /** A labelled image (label −1 when unknown). */
    record Labelled(double[][][] pixels, int label) {
    }

    private ImageInput() {
    }

    /** Where a user gets CIFAR-10 test data in the layout these commands read. */
    static final String WHERE_CIFAR = "eval reads CIFAR-10 in its binary layout (test_batch.bin of the dataset's "
            + "\"binary version\"; the README's section on data says where to get it), or use the bundled "
            + "samples/cifar10_test_first10.bin";

    static int cifarCount(Path file) {
        try {
            long size = Files.size(file);
            if (size == 0 || size % CIFAR_RECORD != 0) {
                throw new HecnnException(file + " is not a CIFAR-10 binary file: its size " + size
                        + " is not a multiple of " + CIFAR_RECORD + " bytes");
            }
            return (int) (size / CIFAR_RECORD);
        } catch (IOException e) {
            throw new HecnnException("cannot read " + file + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    static Labelled cifar(Path file, int index, double[] mean, double[] std) {
        int count = cifarCount(file);
        if (index < 0 || index >= count) {
            throw new InvalidOptionException("--index must be between 0 and " + (count - 1) + ": " + file + " holds "
                    + count + " images (got " + index + ")");
        }
        byte[] record = new byte[CIFAR_RECORD];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek((long) index * CIFAR_RECORD);
            f.readFully(record);
        } catch (IOException e) {
            throw new HecnnException("cannot read image " + index + " of " + file + ": " + e.getMessage(), e);
        }
        double[][][] px = new double[3][32][32];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 1024; i++) {
                px[c][i / 32][i % 32] = ((record[1 + c * 1024 + i] & 0xff) / 255.0 - mean[c]) / std[c];
            }
        }
        return new Labelled(px, record[0] & 0xff);
    }

    /**
     * A PNG (or another format the JVM decodes) of exactly {@code width}x{@code height}: the size is read from the
     * header and checked before any pixel is decoded, so a huge image is refused at once.
     */
    static Labelled png(Path file, int channels, int height, int width, double[] mean, double[] std) {
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new HecnnException(file + " is not an image this JVM can decode (use PNG)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if (w != width || h != height) {
                    throw new HecnnException("the image " + file + " is " + w + "x" + h + " but the model expects "
                            + width + "x" + height + ": resize it first");
                }
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new HecnnException("cannot read image " + file + ": " + e.getMessage(), e);
        }
        double[][][] px = new double[channels][height][width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = img.getRGB(x, y);
                int[] v = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
                for (int c = 0; c < channels; c++) {
                    int value = channels == 1 ? (v[0] + v[1] + v[2]) / 3 : v[c];
                    px[c][y][x] = (value / 255.0 - mean[c]) / std[c];
                }
            }
        }
        return new Labelled(px, -1);
    }
}
