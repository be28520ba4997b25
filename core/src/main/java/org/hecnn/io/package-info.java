/**
 * Serialisation of hecnn objects in a versioned, checksummed binary format ({@link org.hecnn.io.HecnnFormat}):
 * parameter sets ({@link org.hecnn.io.ParametersCodec}), plaintexts ({@link org.hecnn.io.PlaintextCodec}),
 * ciphertexts ({@link org.hecnn.io.CiphertextCodec}, seed-compressed when fresh), public and evaluation keys
 * ({@link org.hecnn.io.KeyCodec}, always seed-compressed) and, only through its own explicitly named path, the
 * secret key ({@link org.hecnn.io.SecretKeyCodec#writeSecretKeyUnprotected}).
 *
 * <p>Every object but a parameter set is bound to the parameter fingerprint; a reader given other parameters
 * throws {@link org.hecnn.ckks.ParameterMismatchException} before allocating anything. Truncated, corrupted or
 * hostile input throws {@link org.hecnn.io.MalformedDataException}; no size read from the data is trusted.
 */
package org.hecnn.io;
