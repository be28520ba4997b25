package org.hecnn.cnn;

import java.util.Random;

import org.hecnn.cnn.model.BatchNorm;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Shape;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;

/** Seeded random layers and inputs, and the before/after equivalence check the pass tests use. */
public final class Random4Test {
    private final Random rnd;

    public Random4Test(long seed) {
        this.rnd = new Random(seed);
    }

    public Tensor gaussian(double std, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = std * rnd.nextGaussian();
        }
        return Tensor.of(v, dims);
    }

    public Tensor uniform(double lo, double hi, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * rnd.nextDouble();
        }
        return Tensor.of(v, dims);
    }

    public Conv2d conv(int co, int ci, int k, int stride, int pad) {
        return Conv2d.of(gaussian(0.4, co, ci, k, k), gaussian(0.1, co), stride, pad);
    }

    public Linear linear(int out, int in) {
        return Linear.of(gaussian(0.4, out, in), gaussian(0.1, out));
    }

    public BatchNorm batchNorm(int c) {
        return new BatchNorm(uniform(0.5, 1.5, c), gaussian(0.2, c), gaussian(0.2, c), uniform(0.5, 1.5, c), 1e-5);
    }

    public Tensor input(Shape s) {
        return gaussian(1.0, s.dims());
    }

    /**
     * The largest output difference between two models over random inputs, relative to the largest output of
     * {@code before}.
     */
    public static double relativeDifference(Model before, Model after, int samples, long seed) {
        Random4Test r = new Random4Test(seed);
        PlainEvaluator eb = new PlainEvaluator(before);
        PlainEvaluator ea = new PlainEvaluator(after);
        double worst = 0;
        for (int k = 0; k < samples; k++) {
            Tensor x = r.input(before.inputShape());
            Tensor yb = eb.evaluate(x);
            Tensor ya = ea.evaluate(x);
            worst = Math.max(worst, ya.maxAbsDiff(yb) / Math.max(yb.maxAbs(), 1e-300));
        }
        return worst;
    }

    /** Asserts the two models agree to {@code tol} relative on 8 random inputs. */
    public static void assertEquivalent(Model before, Model after, double tol) {
        double d = relativeDifference(before, after, 8, 12345);
        if (!(d <= tol)) {
            throw new AssertionError("models " + before.name() + " differ after the pass: relative difference " + d
                    + " > " + tol + "\nbefore:\n" + before.describe() + "after:\n" + after.describe());
        }
    }
}
