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
