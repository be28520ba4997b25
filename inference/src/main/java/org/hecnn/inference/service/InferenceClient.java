package org.hecnn.inference.service;

import org.hecnn.backend.BackendProvider;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.inference.FeatureMap;
import org.hecnn.cnn.plain.InvalidInputException;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.io.KeyCodec;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.EvaluationKeys;

/**
 * The client side, for a service of any layout: makes a secret key (it leaves this object only through
 * {@link #writeSecretKeyUnprotected}, for a batch client that decrypts in a later process), the evaluation keys
 * the server needs, arranges images as the {@link ServiceDescription} says, encrypts them into requests and decrypts
 * responses into logits. It never sees the model. Requests are secret-key encrypted and so
 * seed-compressed (half the size of public-key ciphertexts). Key uploads, requests and responses carry the
 * {@link KeyFingerprint} of this client's key set: a server session evaluates only requests made under the keys
 * uploaded into it, and this client decrypts only responses made for its own keys.
 *
 * <p>Thread safety: encryption and decryption may run from many threads at once (each call uses only its own
 * buffers and the immutable keys); {@link #close()} must not race with them.
 */
public final class InferenceClient implements AutoCloseable {
    /** Keys generated ahead of the one being written: enough to keep every core busy, few enough to stream. */
    private static final int KEYS_AHEAD = 3;
    private final ServiceDescription service;
    private final ClientCrypto crypto;

    public InferenceClient(ServiceDescription service, BackendProvider backend) {
        this(service, backend, null);
    }

    /**
     * A client of {@code service} with the secret key a client of it saved ({@link #writeSecretKeyUnprotected}): it
     * decrypts the responses to requests that client made, in another process (a batch job's client).
     *
     * @throws org.hecnn.io.MalformedDataException if the bytes are not a secret key of the service's parameters
     */
    public static InferenceClient withStoredSecretKey(ServiceDescription service, BackendProvider backend,
                                                      byte[] storedSecretKey) {
        return new InferenceClient(service, backend, java.util.Objects.requireNonNull(storedSecretKey));
    }

    private InferenceClient(ServiceDescription service, BackendProvider backend, byte[] storedSecretKey) {
        this.service = service;
        this.crypto = new ClientCrypto(service.parameters(), backend, storedSecretKey);
    }

    /**
     * UNPROTECTED: this client's secret key in the clear, so that a later process can decrypt
     * ({@link #withStoredSecretKey}). Keep it with the client only (a file only its owner can read).
     */
    public byte[] writeSecretKeyUnprotected() {
        return crypto.writeSecretKeyUnprotected();
    }

    /**
     * The serialised relinearisation and Galois keys for every rotation the service uses, each only up to the
     * highest level it is used at.
     */
    public byte[] evaluationKeys() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            Messages.writeKeysHeader(out, crypto.fingerprint());
            out.write(KeyCodec.writeEvaluationKeys(service.parameters(), makeEvaluationKeys()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The fingerprint of this client's key set. */
    public KeyFingerprint fingerprint() {
        return crypto.fingerprint();
    }

    /**
     * Streams the evaluation keys, generating them a few ahead of the writer on every core, so that a key set
     * larger than memory (a ResNet at N = 2^16) is never held whole.
     */
    public void writeEvaluationKeys(java.io.OutputStream out) throws java.io.IOException {
        java.util.Map<Integer, Integer> levels = keyLevels();
        Messages.writeKeysHeader(out, crypto.fingerprint());
        int[] elements = levels.keySet().stream().mapToInt(Integer::intValue).toArray();
        java.util.List<Integer> order = new java.util.ArrayList<>(); // KeyCodec's: relinearisation, then ascending
        order.add(0);
        levels.keySet().stream().sorted().forEach(order::add);
        try (KeysAhead keys = new KeysAhead(order, role -> role == 0
                ? crypto.relinearizationKey(service.inputLevel())
                : crypto.galoisKey(role, levels.get(role)), KEYS_AHEAD)) {
            KeyCodec.writeEvaluationKeys(service.parameters(), true, elements, keys::take, out);
        }
    }

    private EvaluationKeys makeEvaluationKeys() {
        return crypto.evaluationKeys(service.inputLevel(), keyLevels());
    }

    /** Galois element → highest level it is used at. */
    private java.util.Map<Integer, Integer> keyLevels() {
        java.util.Map<Integer, Integer> levels = new java.util.TreeMap<>();
        int[] steps = service.rotationSteps();
        for (int i = 0; i < steps.length; i++) {
            levels.merge(Galois.rotationElement(steps[i], service.parameters().logN()), service.rotationLevels()[i],
                    Math::max);
        }
        return levels;
    }

    /** The service this client was made for. */
    public ServiceDescription service() {
        return service;
    }

    /** Images one request carries at most (1 except for the batched layout: one per slot). */
    public int capacity() {
        return service.capacity();
    }

    /** Encrypts one C×H×W image (already normalised as the model expects) into a request. */
    public byte[] encrypt(double[][][] image) {
        double[] flat = new double[image.length * image[0].length * image[0][0].length];
        int i = 0;
        for (double[][] plane : image) {
            for (double[] row : plane) {
                for (double v : row) {
                    flat[i++] = v;
                }
            }
        }
        return encrypt(new double[][] {flat});
    }

    /**
     * Encrypts 1..{@link #capacity()} images, each flattened in the model's input order and normalised as the model
     * expects, into one request.
     *
     * @throws InvalidInputException if the count, an image's length or a value (outside the range the server's plan
     *                               is proven for, or not finite) does not fit the service
     */
    public byte[] encrypt(double[][] images) {
        int capacity = capacity();
        if (images.length < 1 || images.length > capacity) {
            throw new InvalidInputException("a request holds 1.." + capacity + " images, not " + images.length);
        }
        int values = service.input().valuesPerImage();
        for (int b = 0; b < images.length; b++) {
            if (images[b].length != values) {
                throw new InvalidInputException("image " + b + " has " + images[b].length + " values; the model takes "
                        + values);
            }
            for (int i = 0; i < values; i++) {
                double v = images[b][i];
                if (!(v >= service.inputLo() && v <= service.inputHi()) || !Double.isFinite(v)) {
                    throw new InvalidInputException(String.format(java.util.Locale.ROOT, "image %d value %d is %g, "
                            + "outside the range [%g, %g] the encrypted network was planned for; preprocess the image "
                            + "as the model card says", b, i, v, service.inputLo(), service.inputHi()));
                }
            }
        }
        double[][] slots = service.input().arrange(images, service.parameters().slots());
        Ciphertext[] cts = new Ciphertext[slots.length];
        try {
            for (int i = 0; i < cts.length; i++) {
                cts[i] = crypto.encrypt(slots[i], service.inputLevel(), service.inputScale());
            }
            return Messages.write(crypto.fingerprint(), cts);
        } finally {
            for (Ciphertext c : cts) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    /**
     * The logits of the one image in a response.
     *
     * @throws org.hecnn.inference.OutsideCertifiedRangeException if a logit is non-finite or beyond the service's
     *                                                           certified output bound
     */
    public double[] decrypt(byte[] response) {
        return decrypt(response, 1)[0];
    }

    /**
     * The logits of the first {@code images} images of a response, [image][output].
     *
     * @throws org.hecnn.inference.OutsideCertifiedRangeException if a logit is non-finite or beyond the service's
     *                                                           certified output bound
     */
    public double[][] decrypt(byte[] response, int images) {
        if (images < 1 || images > capacity()) {
            throw new InvalidInputException("a response holds 1.." + capacity() + " images, not " + images);
        }
        Ciphertext[] cts = own(Messages.read(crypto.context(), response, service.output().ciphertexts()), "response");
        double[][] slots = new double[cts.length][];
        for (int i = 0; i < cts.length; i++) {
            slots[i] = crypto.decrypt(cts[i]);
            cts[i].close();
        }
        double[][] logits = service.output().read(slots, images);
        for (double[] l : logits) {
            org.hecnn.inference.OutsideCertifiedRangeException.check(l, service.outputBound());
        }
        return logits;
    }

    /** How many ensemble members the service's outputs belong to (1 for one model). */
    public int members() {
        return service.members();
    }

    /**
     * The class probabilities of the one image in a response: the softmax of the logits, for an ensemble the mean of
     * its members' softmax outputs.
     */
    public double[] probabilities(byte[] response) {
        return org.hecnn.cnn.ensemble.EnsembleStack.averageSoftmax(decrypt(response), service.members());
    }

    /** Decrypts a traced layer output into its [C][H][W] tensor (slot values as laid out by {@code map}). */
    public double[][][] decryptLayer(byte[] ciphertexts, FeatureMap map) {
        Ciphertext[] cts = own(Messages.read(crypto.context(), ciphertexts, map.ciphertexts()), "traced layer");
        double[][] slots = new double[cts.length][];
        for (int i = 0; i < cts.length; i++) {
            slots[i] = crypto.decrypt(cts[i]);
            cts[i].close();
        }
        return map.unpack(slots);
    }

    /** Decrypts the first {@code count} slots of a traced single-ciphertext output (a linear layer's logits). */
    public double[] decryptSlots(byte[] ciphertexts, int count) {
        Ciphertext[] cts = own(Messages.read(crypto.context(), ciphertexts, 1), "traced layer");
        double[] slots = crypto.decrypt(cts[0]);
        cts[0].close();
        return java.util.Arrays.copyOf(slots, count);
    }

    /** The ciphertexts of a message made for this client's key set; anything else is refused. */
    private Ciphertext[] own(Messages.Message m, String what) {
        if (!m.fingerprint().equals(crypto.fingerprint())) {
            for (Ciphertext c : m.ciphertexts()) {
                c.close();
            }
            throw new ForeignKeyException("this " + what + " was made for " + m.fingerprint() + ", but this client holds "
                    + crypto.fingerprint() + ": it belongs to another client or session and cannot be decrypted here");
        }
        return m.ciphertexts();
    }

    @Override
    public void close() {
        crypto.close();
    }
}
