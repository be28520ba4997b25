package org.hecnn.cli;

import org.hecnn.inference.packed.PrecisionTargets;

/**
 * The precision targets of the CNN layouts from --scale-bits, --weight-bits, --separate-rescales and --tower-reuse,
 * checked against what a 61-bit prime holds before {@link PrecisionTargets} sees them: separate rescales take a
 * scale of 10-53 bits (8 of the output prime's 61 stay headroom above the logits) and weights of 8-61 bits; tower
 * reuse puts scale + 2·weight bits in one prime of at most 61.
 */
final class TargetOptions {
    static final int MAX_PRIME_BITS = 61;

    private TargetOptions() {
    }

    /** Bits not given come from the defaults of the mode; bits given without --separate-rescales mean tower reuse. */
    static PrecisionTargets targets(Integer scaleBits, Integer weightBits, boolean separate, boolean towerReuse) {
        PrecisionTargets base = separate ? PrecisionTargets.precise() : PrecisionTargets.standard();
        int s = scaleBits == null ? base.scaleBits() : scaleBits;
        int w = weightBits == null ? base.weightBits() : weightBits;
        if (separate) {
            OptionCheck.between("--scale-bits", s, 10, MAX_PRIME_BITS - base.outputMarginBits(), "with separate "
                    + "rescales, whose 61-bit output prime keeps " + base.outputMarginBits() + " bits of headroom "
                    + "above the logits");
            OptionCheck.between("--weight-bits", w, 8, MAX_PRIME_BITS, "with separate rescales, one prime each");
        } else {
            OptionCheck.atLeast("--scale-bits", s, 10);
            OptionCheck.atLeast("--weight-bits", w, 8);
            if (s + 2 * w > MAX_PRIME_BITS) {
                String why = towerReuse ? "with --tower-reuse"
                        : "with tower reuse (what --scale-bits and --weight-bits mean without --separate-rescales)";
                throw new InvalidOptionException(why + " one " + MAX_PRIME_BITS + "-bit prime holds scale + 2·weight "
                        + "bits, but --scale-bits " + s + (scaleBits == null ? " (default)" : "")
                        + " and --weight-bits " + w + (weightBits == null ? " (default)" : "") + " need " + (s + 2 * w)
                        + ": lower them (tower reuse's defaults are 24 and 18) or add --separate-rescales (scale "
                        + "10-53, weight 8-61)");
            }
        }
        return new PrecisionTargets(s, w, base.outputMarginBits(), separate);
    }
}
