package org.hecnn.cnn.model;

import java.util.Arrays;

/**
 * The value range a model was certified for: the largest |input| of every activation site (graph order) and the
 * largest |logit| over every image the certifying tool ({@code training.certify}) ran, none of which produced a
 * non-finite output. The encrypted plan reserves headroom for {@link #outputBound()}, and a client refuses a
 * decrypted result beyond it: such an input lies outside what the model was certified for, and CKKS would have
 * wrapped its value into garbage. Immutable and thread-safe.
 *
 * @param images                the number of images the range was measured on
 * @param sources               which images ({@code name:count} list), for messages and reports
 * @param activationInputMaxAbs the largest |x| entering each activation site, in graph order
 * @param outputMaxAbs          the largest |logit|
 */
public record CertifiedRange(long images, String sources, double[] activationInputMaxAbs, double outputMaxAbs) {
    /**
     * How far beyond the certified largest |logit| a result may go before it is refused: twice the measured value,
     * so unseen images a little past every measured one still pass while a wrapped-around CKKS value (spread over
     * the whole representable range, at least four times larger) is caught.
     */
    public static final double OUTPUT_HEADROOM = 2.0;

    /** Validates and copies. */
    public CertifiedRange {
        Op.require(images > 0, "a certified range needs at least one image");
        Op.require(Double.isFinite(outputMaxAbs) && outputMaxAbs > 0, "the certified largest |logit| must be positive and finite");
        activationInputMaxAbs = activationInputMaxAbs.clone();
        for (double v : activationInputMaxAbs) {
            Op.require(Double.isFinite(v) && v >= 0, "certified activation ranges must be finite and non-negative");
        }
        sources = sources == null ? "" : sources;
    }

    /** The largest |logit| a result may have: {@link #OUTPUT_HEADROOM} times the certified one. */
    public double outputBound() {
        return OUTPUT_HEADROOM * outputMaxAbs;
    }

    /** The largest |input| over all activation sites (0 for a model without activations). */
    public double activationInputMax() {
        return Arrays.stream(activationInputMaxAbs).max().orElse(0);
    }

    @Override
    public double[] activationInputMaxAbs() {
        return activationInputMaxAbs.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CertifiedRange r && images == r.images && sources.equals(r.sources)
                && Arrays.equals(activationInputMaxAbs, r.activationInputMaxAbs)
                && Double.compare(outputMaxAbs, r.outputMaxAbs) == 0;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(images) * 31 + Arrays.hashCode(activationInputMaxAbs) + Double.hashCode(outputMaxAbs);
    }

    @Override
    public String toString() {
        return String.format("certified on %d images: |activation input| <= %.3f, |logit| <= %.3f (results refused "
                + "beyond %.3f)", images, activationInputMax(), outputMaxAbs, outputBound());
    }
}
