package org.hecnn.inference.vector;

import java.util.LinkedHashMap;
import java.util.Map;

import org.hecnn.backend.BackendProvider;
import org.hecnn.cnn.plain.InvalidInputException;
import org.hecnn.inference.service.ClientCrypto;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.EvaluationKeys;

/**
 * The client of the single-image vector layout: holds the secret key, makes the relinearisation and rotation
 * keys, arranges one image by the first layer's receptive fields into a few ciphertexts and decrypts the logits.
 */
public final class VectorClient implements AutoCloseable {
    private final VectorInterface service;
    private final ClientCrypto crypto;

    public VectorClient(VectorInterface service, BackendProvider backend) {
        this.service = service;
        this.crypto = new ClientCrypto(service.parameters(), backend);
    }

    /** Relinearisation and one rotation key per step the server uses. */
    public EvaluationKeys evaluationKeys() {
        int top = service.parameters().maxLevel();
        Map<Integer, Integer> galois = new LinkedHashMap<>();
        for (int s : service.rotationSteps()) {
            galois.put(Galois.rotationElement(s, service.parameters().logN()), top);
        }
        return crypto.evaluationKeys(top, galois);
    }

    /** Arranges and encrypts one image (flattened in the model's input order): the serialised request. */
    public byte[][] encrypt(double[] image) {
        if (image.length != service.inputs()) {
            throw new InvalidInputException("the image has " + image.length + " values; the model takes "
                    + service.inputs());
        }
        for (int i = 0; i < image.length; i++) {
            if (!(image[i] >= service.inputLo() && image[i] <= service.inputHi())) {
                throw new InvalidInputException(String.format("value %d is %g, outside the range [%g, %g] the "
                        + "encrypted network was planned for", i, image[i], service.inputLo(), service.inputHi()));
            }
        }
        int slots = service.parameters().slots();
        int bpc = service.blocksPerCiphertext();
        double[][] v = new double[service.ciphertexts()][slots];
        int[][] fields = service.fields();
        for (int j = 0; j < fields.length; j++) {
            for (int k = 0; k < fields[j].length; k++) {
                int column = fields[j][k];
                if (column >= 0) {
                    v[k / bpc][(k % bpc) * service.period() + j] = image[column];
                }
            }
        }
        byte[][] out = new byte[v.length][];
        for (int c = 0; c < v.length; c++) {
            out[c] = crypto.encryptToBytes(v[c], service.parameters().maxLevel(), service.inputScale());
        }
        return out;
    }

    /** The logits from the server's reply. */
    public double[] decrypt(byte[] reply) {
        return java.util.Arrays.copyOf(crypto.decryptBytes(reply), service.outputs());
    }

    @Override
    public void close() {
        crypto.close();
    }
}
