package org.hecnn.inference;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.hecnn.io.MalformedDataException;

/** Where a response holds each image's outputs, for one layout of an {@link EncryptedNetwork}. Immutable. */
public sealed interface OutputDecoding {
    /** Outputs per image (for an ensemble all members' outputs, member-major). */
    int outputs();

    /** Ciphertexts in one response. */
    int ciphertexts();

    /** Each image's outputs from the decrypted slot vectors of a response, for the first {@code images} images. */
    double[][] read(double[][] slots, int images);

    /** One image's outputs in the first slots of one ciphertext (the packed, per-channel and vector layouts). */
    record SlotVector(int outputs) implements OutputDecoding {
        @Override
        public int ciphertexts() {
            return 1;
        }

        @Override
        public double[][] read(double[][] slots, int images) {
            return new double[][] {java.util.Arrays.copyOf(slots[0], outputs)};
        }
    }

    /** One ciphertext per output neuron, image b in slot b (the batched layout). */
    record PerNeuron(int outputs) implements OutputDecoding {
        @Override
        public int ciphertexts() {
            return outputs;
        }

        @Override
        public double[][] read(double[][] slots, int images) {
            double[][] out = new double[images][outputs];
            for (int k = 0; k < outputs; k++) {
                for (int b = 0; b < images; b++) {
                    out[b][k] = slots[k][b];
                }
            }
            return out;
        }
    }

    /** Serialises a decoding (a tag and the output count). */
    static void write(OutputDecoding d, DataOutputStream out) throws IOException {
        out.writeInt(d instanceof PerNeuron ? 1 : 0);
        out.writeInt(d.outputs());
    }

    /** Reads a decoding written by {@link #write}. */
    static OutputDecoding read(DataInputStream in, int slots) throws IOException {
        int tag = in.readInt();
        int outputs = in.readInt();
        if (outputs < 1 || outputs > (tag == 1 ? 4096 : slots)) {
            throw new MalformedDataException("service description: implausible output count " + outputs);
        }
        return switch (tag) {
            case 0 -> new SlotVector(outputs);
            case 1 -> new PerNeuron(outputs);
            default -> throw new MalformedDataException("service description: unknown output decoding " + tag);
        };
    }
}
