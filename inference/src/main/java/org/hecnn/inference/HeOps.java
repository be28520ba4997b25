package org.hecnn.inference;

import org.hecnn.backend.SparseIntegerMatrix;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.IntegerPlaintext;
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

    /** x[m]·p for every m (several images), p transformed once: one plaintext multiplication per image. */
    public Ciphertext[] multiplyPlain(Ciphertext[] x, IntegerPlaintext p) {
        tally.plain += x.length;
        return evaluator.multiplyPlain(x, p);
    }

    /** acc[m] += x[m]·p for every m (several images), p transformed once. */
    public void multiplyPlainAccumulate(Ciphertext[] acc, Ciphertext[] x, IntegerPlaintext p) {
        tally.plain += x.length;
        tally.add += x.length;
        evaluator.multiplyPlainAccumulate(acc, x, p);
    }

    /**
     * Σ_j x[j][m]·p[j] for every m (several images), each plaintext transformed once: counted as the products and
     * additions of the equivalent {@link #multiplyPlain(Ciphertext[], IntegerPlaintext)} and
     * {@link #multiplyPlainAccumulate(Ciphertext[], Ciphertext[], IntegerPlaintext)} calls.
     */
    public Ciphertext[] multiplyPlainSum(Ciphertext[][] x, IntegerPlaintext[] p) {
        int products = 0;
        for (Ciphertext[] term : x) {
            products += term.length;
        }
        tally.plain += products;
        tally.add += products - (x.length == 0 ? 0 : x[0].length);
        return evaluator.multiplyPlainSum(x, p);
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

    /**
     * The rational matrix m / denominator over ciphertexts (see {@link #linearMapCounts}); a denominator other
     * than 1 is one scale-only (power-of-two) multiplication per output.
     */
    public Ciphertext[] linearMap(Ciphertext[] in, SparseIntegerMatrix m, double denominator) {
        OpCounts c = linearMapCounts(m);
        tally.add += c.additions();
        tally.powerOfTwo += c.powerOfTwoMultiplications() + (denominator == 1 ? 0 : m.rows());
        tally.constant += c.constantMultiplications();
        return evaluator.linearMap(in, m, denominator);
    }

    public void addConstantInPlace(Ciphertext a, double c) {
        tally.add++;
        evaluator.addConstantInPlace(a, c);
    }

    /**
     * The HOPs of an integer matrix: per row, each group's terms are summed (one addition per further term, one
     * negation if all its terms are subtracted), multiplied once by its multiplier unless it is 1 (a power-of-two
     * multiplication when the multiplier is 2^k, a generic constant multiplication otherwise) and added to the row.
     */
    public static OpCounts linearMapCounts(SparseIntegerMatrix m) {
        long add = 0;
        long pow2 = 0;
        long constant = 0;
        for (int j = 0; j < m.rows(); j++) {
            int g0 = m.rowGroupStart()[j];
            int g1 = m.rowGroupStart()[j + 1];
            if (g0 == g1) {
                constant++;
            }
            for (int g = g0; g < g1; g++) {
                int t0 = m.groupTermStart()[g];
                int terms = m.groupTermStart()[g + 1] - t0;
                long c = m.groupMultiplier()[g];
                boolean first = g == g0;
                if (c == 1) {
                    add += first ? terms - 1 + (m.termNegative()[t0] ? 1 : 0) : terms;
                } else {
                    add += terms - 1 + (m.termNegative()[t0] ? 1 : 0) + (first ? 0 : 1);
                    if (Long.bitCount(c) == 1) {
                        pow2++;
                    } else {
                        constant++;
                    }
                }
            }
        }
        return new OpCounts(0, 0, 0, constant, pow2, add, 0, 0, 0, 0);
    }

    /** x[j]² without relinearisation for every j, in parallel over the ciphertexts. */
    public Ciphertext[] squareAllNoRelinearize(Ciphertext[] x) {
        Ciphertext[] y = new Ciphertext[x.length];
        java.util.stream.IntStream.range(0, x.length).parallel()
                .forEach(j -> y[j] = evaluator.multiplyNoRelinearize(x[j], x[j]));
        tally.ctCt += x.length;
        return y;
    }

    /**
     * Relinearises (if asked) and rescales {@code rescales} times every ciphertext, in parallel over them; the
     * inputs are closed.
     */
    public Ciphertext[] relinearizeAndRescaleAll(Ciphertext[] y, boolean relinearize, int rescales) {
        Ciphertext[] out = new Ciphertext[y.length];
        java.util.stream.IntStream.range(0, y.length).parallel().forEach(j -> {
            Ciphertext c = y[j];
            if (relinearize) {
                c = evaluator.relinearize(y[j]);
                y[j].close();
            }
            for (int k = 0; k < rescales; k++) {
                Ciphertext next = evaluator.rescale(c);
                c.close();
                c = next;
            }
            out[j] = c;
        });
        tally.relin += relinearize ? y.length : 0;
        tally.rescale += (long) rescales * y.length;
        return out;
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
