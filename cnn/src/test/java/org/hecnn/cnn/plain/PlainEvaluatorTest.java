package org.hecnn.cnn.plain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.hecnn.cnn.Random4Test;
import org.hecnn.cnn.model.AvgPool;
import org.hecnn.cnn.model.BatchNorm;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Relu;
import org.hecnn.cnn.model.Shape;
import org.hecnn.cnn.model.ShortcutA;
import org.hecnn.cnn.model.Tensor;
import org.junit.jupiter.api.Test;

/** Each operator against a direct reading of its definition. */
class PlainEvaluatorTest {

    private static Tensor run(Shape in, org.hecnn.cnn.model.Op op, Tensor x) {
        Model.Builder b = Model.builder("t").input("x", in);
        b.add("y", op, "x");
        return PlainEvaluator.evaluate(b.build(), x);
    }

    /** Convolution by the definition, with an explicitly zero-padded copy of the input. */
    private static double[] referenceConv(Conv2d c, double[] x, int h, int w) {
        int ph = h + c.padTop() + c.padBottom();
        int pw = w + c.padLeft() + c.padRight();
        double[][][] p = new double[c.inChannels()][ph][pw];
        for (int i = 0; i < c.inChannels(); i++) {
            for (int r = 0; r < h; r++) {
                for (int s = 0; s < w; s++) {
                    p[i][r + c.padTop()][s + c.padLeft()] = x[(i * h + r) * w + s];
                }
            }
        }
        int oh = (ph - c.kernelH()) / c.strideH() + 1;
        int ow = (pw - c.kernelW()) / c.strideW() + 1;
        double[] y = new double[c.outChannels() * oh * ow];
        for (int o = 0; o < c.outChannels(); o++) {
            for (int r = 0; r < oh; r++) {
                for (int s = 0; s < ow; s++) {
                    double acc = c.bias().get(o);
                    for (int i = 0; i < c.inChannels(); i++) {
                        for (int u = 0; u < c.kernelH(); u++) {
                            for (int v = 0; v < c.kernelW(); v++) {
                                acc += c.weight().at(o, i, u, v) * p[i][r * c.strideH() + u][s * c.strideW() + v];
                            }
                        }
                    }
                    y[(o * oh + r) * ow + s] = acc;
                }
            }
        }
        return y;
    }

    @Test
    void convolutionMatchesTheDefinition() {
        Random4Test r = new Random4Test(3);
        int[][] cases = {{3, 1, 1, 1, 1, 1, 1, 1}, {3, 2, 2, 1, 1, 1, 1, 1}, {5, 2, 2, 1, 1, 1, 1, 1},
            {1, 2, 2, 0, 0, 0, 0, 0}, {3, 1, 2, 0, 1, 2, 0, 0}, {2, 3, 1, 1, 0, 0, 1, 0}};
        for (int[] k : cases) {
            Conv2d c = new Conv2d(r.gaussian(1, 4, 3, k[0], k[0]), r.gaussian(1, 4), k[1], k[2], k[3], k[4], k[5], k[6]);
            Tensor x = r.gaussian(1, 3, 7, 6);
            Tensor y = run(Shape.map(3, 7, 6), c, x);
            assertArrayEquals(referenceConv(c, x.toArray(), 7, 6), y.toArray(), 1e-12, java.util.Arrays.toString(k));
        }
    }

    @Test
    void shortcutASubsamplesAndPadsChannels() {
        double[] x = new double[2 * 3 * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        Tensor y = run(Shape.map(2, 3, 3), new ShortcutA(2, 1, 2), Tensor.of(x, 2, 3, 3));
        assertArrayEquals(new int[] {5, 2, 2}, y.dims());
        double[] expected = new double[5 * 4];
        double[] ch0 = {1, 3, 7, 9};
        double[] ch1 = {10, 12, 16, 18};
        System.arraycopy(ch0, 0, expected, 4, 4);
        System.arraycopy(ch1, 0, expected, 8, 4);
        assertArrayEquals(expected, y.toArray());
    }

    @Test
    void poolsLinearPolynomialBatchNormRelu() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1, 4, 4);
        assertArrayEquals(new double[] {3.5, 5.5, 11.5, 13.5},
                run(Shape.map(1, 4, 4), AvgPool.average(2, 2), x).toArray());
        assertArrayEquals(new double[] {14, 22, 46, 54},
                run(Shape.map(1, 4, 4), new AvgPool(2, 2, 2, 2, 1.0), x).toArray());
        assertArrayEquals(new double[] {18, 21, 30, 33},
                run(Shape.map(1, 4, 4), new AvgPool(3, 3, 1, 1, 1.0 / 3), x).toArray());
        assertArrayEquals(new double[] {8.5}, run(Shape.map(1, 4, 4), GlobalAvgPool.AVERAGE, x).toArray());
        assertArrayEquals(new double[] {136}, run(Shape.map(1, 4, 4), new GlobalAvgPool(1.0), x).toArray());
        Tensor v = Tensor.vector(1, -2, 3);
        Linear l = new Linear(Tensor.of(new double[] {1, 0, 2, -1, 1, 1}, 2, 3), Tensor.vector(0.5, -0.5));
        assertArrayEquals(new double[] {7.5, -0.5}, run(Shape.vector(3), l, v).toArray());
        Polynomial p = Polynomial.perChannel(new double[][] {{1, 2, 3}, {0, 1, 0}, {-1, 0, 0.5}});
        assertArrayEquals(new double[] {6, -2, 3.5}, run(Shape.vector(3), p, v).toArray());
        BatchNorm bn = new BatchNorm(Tensor.vector(2, 1, 1), Tensor.vector(1, 0, 0), Tensor.vector(1, 0, 3),
                Tensor.vector(4, 1, 1), 0);
        assertArrayEquals(new double[] {1, -2, 0}, run(Shape.vector(3), bn, v).toArray());
        assertArrayEquals(new double[] {1, 0, 3}, run(Shape.vector(3), new Relu(), v).toArray());
        assertArrayEquals(x.toArray(), run(Shape.map(1, 4, 4), new Flatten(), x).toArray());
    }

    @Test
    void evaluateAllKeepsEveryNode() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(1, 2, 2));
        b.add("sq", Polynomial.of(0, 0, 1), "x");
        b.add("f", new Flatten(), "sq");
        Map<String, Tensor> all = new PlainEvaluator(b.build()).evaluateAll(Tensor.of(new double[] {1, 2, 3, 4}, 1, 2,
                2));
        assertEquals(java.util.List.of("x", "sq", "f"), java.util.List.copyOf(all.keySet()));
        assertArrayEquals(new double[] {1, 4, 9, 16}, all.get("f").toArray());
    }

    @Test
    void badInputsAreRejected() {
        Model.Builder b = Model.builder("t").input("x", Shape.map(1, 2, 2));
        b.add("f", new Flatten(), "x");
        Model m = b.build();
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> PlainEvaluator.evaluate(m, Tensor.vector(1, 2, 3)));
        assertEquals(true, e.getMessage().contains("[1x2x2]"), e.getMessage());
        assertThrows(InvalidInputException.class,
                () -> PlainEvaluator.evaluate(m, Tensor.vector(1, 2, Double.NaN, 4)));
    }
}
