package org.hecnn.inference;

import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.Evaluator;
import org.hecnn.ckks.Plaintext;

/**
 * The homomorphic operations the network layers use, over an {@link Evaluator}, counting each one into an
 * {@link OpCounts.Tally}. Layers call only this, so measured counts are exactly what ran.
 */
public final class HeOps {
    private final Evaluator evaluator;
    private final OpCounts.Tally tally = new OpCounts.Tally();

    public HeOps(Evaluator evaluator) {
        this.evaluator = evaluator;
    }

    public Evaluator evaluator() {
        return evaluator;
    }

    public OpCounts counts() {
        return tally.snapshot();
    }

    /** Rotations of one ciphertext sharing one decomposition; step 0 is a copy. */
    public Ciphertext[] rotateHoisted(Ciphertext x, int[] steps) {
        int nonZero = 0;
        for (int s : steps) {
            nonZero += s == 0 ? 0 : 1;
        }
        if (nonZero > 0) {
            tally.decompositions++;
            tally.hoisted += nonZero;
        }
        return evaluator.rotateHoisted(x, steps);
    }

    public Ciphertext rotate(Ciphertext x, int steps) {
        if (steps == 0) {
            return evaluator.dropToLevel(x, x.level());
        }
        tally.decompositions++;
        tally.rot++;
        return evaluator.rotate(x, steps);
    }

    public Ciphertext multiplyPlain(Ciphertext x, Plaintext p) {
        tally.plain++;
        return evaluator.multiplyPlain(x, p);
    }

    public void multiplyPlainAccumulate(Ciphertext acc, Ciphertext x, Plaintext p) {
        tally.plain++;
        tally.add++;
        evaluator.multiplyPlainAccumulate(acc, x, p);
    }

    public Ciphertext add(Ciphertext a, Ciphertext b) {
        tally.add++;
        return evaluator.add(a, b);
    }

    public void addInPlace(Ciphertext acc, Ciphertext b) {
        tally.add++;
        evaluator.addInPlace(acc, b);
    }

    public Ciphertext addPlain(Ciphertext a, Plaintext p) {
        tally.add++;
        return evaluator.addPlain(a, p);
    }

    public Ciphertext addConstant(Ciphertext a, double c) {
        tally.add++;
        return evaluator.addConstant(a, c);
    }

    public Ciphertext multiplyConstant(Ciphertext a, double c, double constantScale) {
        tally.constant++;
        return evaluator.multiplyConstant(a, c, constantScale);
    }

    /** −a, counted as an addition. */
    public Ciphertext negate(Ciphertext a) {
        tally.add++;
        return evaluator.negate(a);
    }

    /** A copy of a (no homomorphic operation). */
    public Ciphertext copy(Ciphertext a) {
        return evaluator.dropToLevel(a, a.level());
    }

    public void subtractInPlace(Ciphertext acc, Ciphertext b) {
        tally.add++;
        evaluator.subtractInPlace(acc, b);
    }

    /** acc += k·x for an integer k: an addition, plus a power-of-two or a generic constant multiplication. */
    public void multiplyIntegerAccumulate(Ciphertext acc, Ciphertext x, long k) {
        countIntegerMultiply(k);
        tally.add++;
        evaluator.multiplyIntegerAccumulate(acc, x, k);
    }

    /** k·x for an integer k (a copy). */
    public Ciphertext multiplyInteger(Ciphertext x, long k) {
        countIntegerMultiply(k);
        return evaluator.multiplyInteger(x, k);
    }

    private void countIntegerMultiply(long k) {
        if (Long.bitCount(Math.abs(k)) == 1) {
            tally.powerOfTwo++;
        } else {
            tally.constant++;
        }
    }

    /** A factor that only changes the recorded scale. */
    public Ciphertext multiplyByScaleOnly(Ciphertext x, double factor) {
        tally.powerOfTwo++;
        return evaluator.multiplyByScaleOnly(x, factor);
    }

    public Ciphertext multiplyNoRelinearize(Ciphertext a, Ciphertext b) {
        tally.ctCt++;
        return evaluator.multiplyNoRelinearize(a, b);
    }

    public Ciphertext relinearize(Ciphertext a) {
        tally.relin++;
        return evaluator.relinearize(a);
    }

    public Ciphertext square(Ciphertext a) {
        tally.ctCt++;
        tally.relin++;
        return evaluator.square(a);
    }

    public Ciphertext rescale(Ciphertext a) {
        tally.rescale++;
        return evaluator.rescale(a);
    }

    public Ciphertext dropToLevel(Ciphertext a, int level) {
        return evaluator.dropToLevel(a, level);
    }
}
