package org.hecnn.inference;

import org.hecnn.HecnnException;

/**
 * A decrypted result is non-finite or beyond the bound the model was certified for: the input lies outside the
 * model's certified range, and the encrypted value may have wrapped around the modulus, so no class is reported.
 */
public final class OutsideCertifiedRangeException extends HecnnException {
    public OutsideCertifiedRangeException(String message) {
        super(message);
    }

    /**
     * Checks decrypted logits against the bound a service publishes ({@code bound} infinite: the model carries no
     * certificate, only non-finite values are refused).
     *
     * @return {@code logits}, unchanged
     */
    public static double[] check(double[] logits, double bound) {
        for (int i = 0; i < logits.length; i++) {
            double v = logits[i];
            if (!Double.isFinite(v) || Math.abs(v) > bound) {
                throw new OutsideCertifiedRangeException(String.format("input outside the model's certified range: "
                        + "decrypted output %d is %s, beyond the |logit| <= %s the model was certified and planned for; "
                        + "no class is reported. Check that the input is an image of the kind the model was trained on, "
                        + "normalised as its card says.", i, v, Double.isInfinite(bound) ? "(finite)" : String.format("%.4g", bound)));
            }
        }
        return logits;
    }
}
