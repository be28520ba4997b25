package org.hecnn.inference.batched;

import org.hecnn.backend.BackendProvider;
import org.hecnn.cnn.plain.InvalidInputException;
import org.hecnn.inference.service.ClientCrypto;
import org.hecnn.rlwe.EvaluationKeys;

/**
 * The client of batched inference: holds the secret key, makes the relinearisation key the server needs,
 * encrypts up to one image per slot (one ciphertext per input neuron, image b in slot b) and decrypts the
 * logits of every image.
 */
public final class BatchedClient implements AutoCloseable {
    private final BatchedInterface service;
    private final ClientCrypto crypto;

    public BatchedClient(BatchedInterface service, BackendProvider backend) {
        this.service = service;
        this.crypto = new ClientCrypto(service.parameters(), backend);
    }

    /** The evaluation keys for the server: relinearisation only (the batched layout never rotates). */
    public EvaluationKeys evaluationKeys() {
        return crypto.evaluationKeys(service.parameters().maxLevel(), java.util.Map.of());
    }

    /**
     * Encrypts a batch: {@code images[b]} is image b, flattened in the model's input order; at most
     * {@link BatchedInterface#capacity()} images. Values outside the planned input range are rejected. Returns one
     * serialised (seed-compressed) ciphertext per input neuron: the request.
     */
    public byte[][] encrypt(double[][] images) {
        if (images.length < 1 || images.length > service.capacity()) {
            throw new InvalidInputException("a batch holds 1.." + service.capacity() + " images, not "
                    + images.length);
        }
        int slots = service.parameters().slots();
        byte[][] out = new byte[service.inputs()][];
        double[] column = new double[slots];
        for (int i = 0; i < service.inputs(); i++) {
            for (int b = 0; b < images.length; b++) {
                if (images[b].length != service.inputs()) {
                    throw new InvalidInputException("image " + b + " has " + images[b].length + " values; the model "
                            + "takes " + service.inputs());
                }
                double v = images[b][i];
                if (!(v >= service.inputLo() && v <= service.inputHi())) {
                    throw new InvalidInputException(String.format("image %d value %d is %g, outside the range "
                            + "[%g, %g] the encrypted network was planned for; preprocess the image as the model "
                            + "card says", b, i, v, service.inputLo(), service.inputHi()));
                }
                column[b] = v;
            }
            out[i] = crypto.encryptToBytes(column, service.parameters().maxLevel(), service.inputScale());
        }
        return out;
    }

    /** Decrypts the serialised output ciphertexts into logits[image][output] for the first {@code images} slots. */
    public double[][] decrypt(byte[][] outputs, int images) {
        if (outputs.length != service.outputs()) {
            throw new InvalidInputException("expected " + service.outputs() + " output ciphertexts, got "
                    + outputs.length);
        }
        double[][] logits = new double[images][service.outputs()];
        for (int k = 0; k < outputs.length; k++) {
            double[] slots = crypto.decryptBytes(outputs[k]);
            for (int b = 0; b < images; b++) {
                logits[b][k] = slots[b];
            }
        }
        return logits;
    }

    @Override
    public void close() {
        crypto.close();
    }
}
