package org.hecnn.inference.service;

import java.util.Map;

import org.hecnn.backend.BackendProvider;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.Decryptor;
import org.hecnn.ckks.Encryptor;
import org.hecnn.io.CiphertextCodec;
import org.hecnn.io.SecretKeyCodec;
import org.hecnn.rlwe.EvaluationKeys;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SecretKey;
import org.hecnn.rlwe.SwitchingKey;

/**
 * The secret side every client shares, whatever its layout: a fresh secret key from the secure generator (it leaves
 * this object only through {@link #writeSecretKeyUnprotected}, for a client that decrypts in a later process, as a
 * batch job's does), secret-key encryption (seed-compressed ciphertexts), decryption and the evaluation keys
 * derived from the secret key.
 */
public final class ClientCrypto implements AutoCloseable {
    private final CkksContext context;
    private final CkksEncoder encoder;
    private final KeyGenerator keyGenerator;
    private final SecretKey secretKey;
    private final Encryptor encryptor;
    private final Decryptor decryptor;
    private final KeyFingerprint fingerprint;

    public ClientCrypto(CkksParameters parameters, BackendProvider backend) {
        this(parameters, backend, null);
    }

    /**
     * A client with the secret key {@code storedSecretKey} wrote ({@link #writeSecretKeyUnprotected}), or a fresh
     * one when it is null.
     *
     * @throws org.hecnn.io.MalformedDataException if the bytes are not a secret key of these parameters
     */
    public ClientCrypto(CkksParameters parameters, BackendProvider backend, byte[] storedSecretKey) {
        this.context = CkksContext.create(parameters, backend);
        this.encoder = new CkksEncoder(context);
        this.keyGenerator = KeyGenerator.secure(context.engine());
        SecretKey stored = null;
        try {
            stored = storedSecretKey == null ? null : SecretKeyCodec.readSecretKey(parameters, storedSecretKey);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
        this.secretKey = stored != null ? stored : keyGenerator.secretKey();
        this.encryptor = Encryptor.withSecretKey(context, secretKey);
        this.decryptor = new Decryptor(context, secretKey);
        this.fingerprint = KeyFingerprint.of(secretKey);
    }

    /**
     * UNPROTECTED: the secret key in the clear ({@link SecretKeyCodec}), for a client that must decrypt after this
     * process ends. Whoever stores it must keep it from everyone else (never on the evaluating side).
     */
    public byte[] writeSecretKeyUnprotected() {
        return SecretKeyCodec.writeSecretKeyUnprotected(context.parameters(), secretKey);
    }

    /** The fingerprint of this client's key set, carried by its key uploads, requests and responses. */
    public KeyFingerprint fingerprint() {
        return fingerprint;
    }

    public CkksContext context() {
        return context;
    }

    /** Encodes real slot values at a level and scale and encrypts them. */
    public Ciphertext encrypt(double[] slots, int level, double scale) {
        return encryptor.encrypt(encoder.encode(slots, level, scale));
    }

    /** {@link #encrypt}, serialised (seed-compressed). */
    public byte[] encryptToBytes(double[] slots, int level, double scale) {
        try (Ciphertext ct = encrypt(slots, level, scale)) {
            return CiphertextCodec.write(ct);
        }
    }

    /** The real slot values of a ciphertext. */
    public double[] decrypt(Ciphertext ct) {
        return encoder.decode(decryptor.decrypt(ct));
    }

    /** {@link #decrypt} of a serialised ciphertext. */
    public double[] decryptBytes(byte[] data) {
        try (Ciphertext ct = CiphertextCodec.read(context, data)) {
            return decrypt(ct);
        }
    }

    /** Relinearisation key up to {@code relinLevel} and one Galois key per element up to its level. */
    public EvaluationKeys evaluationKeys(int relinLevel, Map<Integer, Integer> galoisLevels) {
        return keyGenerator.evaluationKeys(secretKey, relinLevel, galoisLevels);
    }

    public SwitchingKey relinearizationKey(int level) {
        return keyGenerator.relinearizationKey(secretKey, level);
    }

    public SwitchingKey galoisKey(int element, int level) {
        return keyGenerator.galoisKey(secretKey, element, level);
    }

    @Override
    public void close() {
        context.close();
    }
}
