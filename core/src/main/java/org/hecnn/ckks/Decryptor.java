package org.hecnn.ckks;

import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.PolyEngine;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SecretKey;

/** Decrypts ciphertexts with the secret key (client side). */
public final class Decryptor {
    private final CkksContext context;
    private final SecretKey secretKey;

    public Decryptor(CkksContext context, SecretKey secretKey) {
        this.context = context;
        this.secretKey = secretKey;
    }

    /** m = c0 + c1·s (+ c2·s²) at the ciphertext's level and scale. */
    public Plaintext decrypt(Ciphertext ct) {
        context.checkOwner(ct.context(), "ciphertext");
        PolyEngine e = context.engine();
        int ql = ct.level() + 1;
        DevicePoly m = e.copy(ct.part(0));
        try (DevicePoly s = KeyGenerator.secretPoly(e, secretKey, ql, false)) {
            e.multiplyAdd(ct.part(1), s, m);
            if (ct.size() == 3) {
                try (DevicePoly s2 = e.allocate(ql, false)) {
                    e.multiply(s, s, s2);
                    e.multiplyAdd(ct.part(2), s2, m);
                }
            }
        }
        return new Plaintext(context, m, ct.scale());
    }
}
