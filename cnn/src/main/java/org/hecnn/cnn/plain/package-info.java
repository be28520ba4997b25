/** Plaintext double-precision evaluation of a {@link org.hecnn.cnn.model.Model}: the reference the encrypted
 * evaluation and every compilation pass are checked against. */
package org.hecnn.cnn.plain;
