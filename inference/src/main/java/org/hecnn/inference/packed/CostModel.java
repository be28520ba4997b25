package org.hecnn.inference.packed;

import org.hecnn.inference.OpCounts;
import org.hecnn.ring.RnsRing;

/**
 * Estimates the work of a plan in units of one modular multiplication, from operation counts and the level each
 * layer runs at: NTTs cost N·log2(N)/2 butterflies per limb, key switching follows the hybrid method's
 * decomposition (ModUp), inner product and ModDown. The absolute value is rough; it is used to compare layouts.
 */
public final class CostModel {
    private final RnsRing ring;

    public CostModel(RnsRing ring) {
        this.ring = ring;
    }

    private double ntt() {
        return ring.n() * (double) ring.logN() / 2;
    }

    /** Work of the operations of one layer whose ciphertexts are at {@code level}. */
    public double cost(OpCounts c, int level) {
        double n = ring.n();
        int limbs = level + 1;
        int k = ring.pCount();
        int digits = ring.digitCount(limbs);
        double plain = limbs * n;
        double add = limbs * n * 0.3;
        double decomposition = limbs * ntt() + digits * (limbs + k) * (ntt() + ring.alpha() * n);
        double modDown = 2 * (k * ntt() + k * n * limbs + limbs * ntt());
        double innerProduct = 2.0 * digits * (limbs + k) * n;
        double rescale = 2 * limbs * ntt();
        return c.plainMultiplications() * plain + c.constantMultiplications() * plain
                + c.powerOfTwoMultiplications() * plain + c.additions() * add
                + c.decompositions() * decomposition
                + (c.rotations() + c.hoistedRotations() + c.relinearizations()) * (innerProduct + modDown)
                + c.ctCtMultiplications() * 4 * plain + c.rescales() * rescale;
    }

    /** Work of a whole plan. */
    public double cost(java.util.List<LayerPlan> plan) {
        double total = 0;
        for (LayerPlan p : plan) {
            total += cost(p.counts(), Math.max(p.level(), 0));
        }
        return total;
    }
}
