package org.hecnn.inference;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.hecnn.io.MalformedDataException;

/**
 * How a client arranges its images in the slots of a request, for one layout of an {@link EncryptedNetwork}.
 * Images are given flattened in the model's input order (channel, row, column). Every encoding knows how many
 * ciphertexts a request holds and how many images it carries; it holds no weight. Immutable.
 */
public sealed interface InputEncoding {
    /** Values of one image. */
    int valuesPerImage();

    /** Ciphertexts in one request. */
    int ciphertexts(int slots);

    /** Images one request carries at most. */
    int capacity(int slots);

    /** The slot vector of each request ciphertext for {@code images} (1..capacity of them, each valuesPerImage long). */
    double[][] arrange(double[][] images, int slots);

    /**
     * Channel planes of one image (the packed and per-channel layouts): channel c's H×W plane row-major in a block
     * of slots, as {@link FeatureMap} lays it out for the layout's {@link SlotGrid}.
     */
    record ImagePlanes(Layout layout, int channels, int height, int width) implements InputEncoding {
        /** Where each value goes. */
        public FeatureMap map(int slots) {
            return new FeatureMap(layout.grid(slots, height, width), channels, height, width, 1);
        }

        @Override
        public int valuesPerImage() {
            return channels * height * width;
        }

        @Override
        public int ciphertexts(int slots) {
            return map(slots).ciphertexts();
        }

        @Override
        public int capacity(int slots) {
            return 1;
        }

        @Override
        public double[][] arrange(double[][] images, int slots) {
            double[] flat = images[0];
            double[][][] t = new double[channels][height][width];
            int i = 0;
            for (int c = 0; c < channels; c++) {
                for (int h = 0; h < height; h++) {
                    for (int w = 0; w < width; w++) {
                        t[c][h][w] = flat[i++];
                    }
                }
            }
            return map(slots).pack(t);
        }
    }

    /** One ciphertext per input neuron, image b in slot b (the batched layout: up to one image per slot). */
    record NeuronBatch(int inputs) implements InputEncoding {
        @Override
        public int valuesPerImage() {
            return inputs;
        }

        @Override
        public int ciphertexts(int slots) {
            return inputs;
        }

        @Override
        public int capacity(int slots) {
            return slots;
        }

        @Override
        public double[][] arrange(double[][] images, int slots) {
            double[][] out = new double[inputs][slots];
            for (int b = 0; b < images.length; b++) {
                for (int i = 0; i < inputs; i++) {
                    out[i][b] = images[b][i];
                }
            }
            return out;
        }
    }

    /**
     * One image arranged by the first layer's public receptive fields (the vector layout): input
     * {@code fields[j][k]} goes to slot {@code (k mod blocks)·period + j} of ciphertext {@code k / blocks}; −1 is
     * padding (zero).
     */
    record ReceptiveFields(int inputs, int[][] fields, int period, int blocksPerCiphertext, int count)
            implements InputEncoding {
        @Override
        public int valuesPerImage() {
            return inputs;
        }

        @Override
        public int ciphertexts(int slots) {
            return count;
        }

        @Override
        public int capacity(int slots) {
            return 1;
        }

        @Override
        public double[][] arrange(double[][] images, int slots) {
            double[] image = images[0];
            double[][] v = new double[count][slots];
            for (int j = 0; j < fields.length; j++) {
                for (int k = 0; k < fields[j].length; k++) {
                    int column = fields[j][k];
                    if (column >= 0) {
                        v[k / blocksPerCiphertext][(k % blocksPerCiphertext) * period + j] = image[column];
                    }
                }
            }
            return v;
        }
    }

    /** Serialises an encoding (a tag, then its fields). */
    static void write(InputEncoding e, DataOutputStream out) throws IOException {
        switch (e) {
            case ImagePlanes p -> {
                out.writeInt(0);
                out.writeInt(p.layout().ordinal());
                out.writeInt(p.channels());
                out.writeInt(p.height());
                out.writeInt(p.width());
            }
            case NeuronBatch b -> {
                out.writeInt(1);
                out.writeInt(b.inputs());
            }
            case ReceptiveFields r -> {
                out.writeInt(2);
                out.writeInt(r.inputs());
                out.writeInt(r.period());
                out.writeInt(r.blocksPerCiphertext());
                out.writeInt(r.count());
                out.writeInt(r.fields().length);
                for (int[] f : r.fields()) {
                    out.writeInt(f.length);
                    for (int v : f) {
                        out.writeInt(v);
                    }
                }
            }
        }
    }

    /** Reads an encoding written by {@link #write}, checking it against the slot count; never trusts a size. */
    static InputEncoding read(DataInputStream in, int slots) throws IOException {
        int tag = in.readInt();
        InputEncoding e = switch (tag) {
            case 0 -> {
                int layout = in.readInt();
                if (layout < 0 || layout >= Layout.values().length) {
                    throw new MalformedDataException("service description: unknown layout " + layout);
                }
                int c = in.readInt();
                int h = in.readInt();
                int w = in.readInt();
                if (c < 1 || h < 1 || w < 1 || c > slots || (long) h * w > slots) {
                    throw new MalformedDataException("service description: implausible image shape " + c + "x" + h
                            + "x" + w);
                }
                yield new ImagePlanes(Layout.values()[layout], c, h, w);
            }
            case 1 -> new NeuronBatch(count(in.readInt(), 1 << 20, "inputs"));
            case 2 -> {
                int inputs = count(in.readInt(), 1 << 20, "inputs");
                int period = count(in.readInt(), slots, "period");
                int blocks = count(in.readInt(), slots, "blocks per ciphertext");
                int ciphertexts = count(in.readInt(), 4096, "ciphertexts");
                int[][] fields = new int[count(in.readInt(), period, "receptive fields")][];
                for (int j = 0; j < fields.length; j++) {
                    fields[j] = new int[count(in.readInt(), blocks * ciphertexts, "field size")];
                    for (int k = 0; k < fields[j].length; k++) {
                        fields[j][k] = in.readInt();
                        if (fields[j][k] < -1 || fields[j][k] >= inputs) {
                            throw new MalformedDataException("service description: receptive field " + j
                                    + " names input " + fields[j][k] + " of " + inputs);
                        }
                    }
                }
                if ((long) blocks * period > slots) {
                    throw new MalformedDataException("service description: " + blocks + " blocks of " + period
                            + " slots exceed " + slots);
                }
                yield new ReceptiveFields(inputs, fields, period, blocks, ciphertexts);
            }
            default -> throw new MalformedDataException("service description: unknown input encoding " + tag);
        };
        return e;
    }

    private static int count(int v, int max, String what) {
        if (v < 1 || v > max) {
            throw new MalformedDataException("service description: " + what + " " + v + " is outside 1.." + max);
        }
        return v;
    }
}
