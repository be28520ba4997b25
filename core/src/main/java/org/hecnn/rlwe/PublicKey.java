package org.hecnn.rlwe;

/**
 * An RLWE public key (b, a) = (−a·s + e, a) over the data moduli in NTT form; a is expanded from {@link #seed()}.
 */
public record PublicKey(long[][] b, byte[] seed) {
}
