package org.hecnn.cnn.ensemble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.hecnn.cnn.compile.Passes;
import org.hecnn.cnn.model.Add;
import org.hecnn.cnn.model.AvgPool;
import org.hecnn.cnn.model.BatchNorm;
import org.hecnn.cnn.model.Conv2d;
import org.hecnn.cnn.model.Flatten;
import org.hecnn.cnn.model.GlobalAvgPool;
import org.hecnn.cnn.model.Linear;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Polynomial;
import org.hecnn.cnn.model.Shape;
import org.hecnn.cnn.model.ShortcutA;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.junit.jupiter.api.Test;

class EnsembleStackTest {
    private static Tensor random(Random r, int... dims) {
        int size = 1;
        for (int d : dims) {
            size *= d;
        }
        double[] v = new double[size];
        for (int i = 0; i < size; i++) {
            v[i] = r.nextGaussian() * 0.4;
        }
        return Tensor.of(v, dims);
    }

    /** A small residual network with every op the stacker handles: option-A and 1×1 shortcuts, both pools, two linears. */
    static Model member(long seed, boolean withBatchNorm) {
        Random r = new Random(seed);
        Model.Builder b = Model.builder("m" + seed);
        b.input("x", Shape.map(3, 8, 8));
        String c1 = b.add("c1", Conv2d.of(random(r, 4, 3, 3, 3), random(r, 4), 1, 1), "x");
        if (withBatchNorm) {
            c1 = b.add("bn", new BatchNorm(Tensor.vector(1.5, 1, 0.5, 1), Tensor.vector(0.1, 0, 0, 0.2),
                    Tensor.vector(0, 0.3, 0, 0), Tensor.vector(1, 1, 2, 1), 1e-5), c1);
        }
        String a1 = b.add("a1", Polynomial.of(0.1, 0.5, 0.25), c1);
        b.add("c2", Conv2d.of(random(r, 8, 4, 3, 3), random(r, 8), 2, 1), a1);
        b.add("a2", Polynomial.perChannel(new double[][] {
            {0, 1, 0.3}, {0.1, 0.9, 0.2}, {0, 1.1, 0.25}, {0.2, 1, 0.1}, {0, 1, 0.3}, {0.1, 0.8, 0.2},
            {0, 1.2, 0.25}, {0.3, 1, 0.1}}), "c2");
        b.add("c2b", Conv2d.of(random(r, 8, 8, 3, 3), random(r, 8), 1, 1), "a2");
        b.add("s", ShortcutA.of(4, 8), a1);
        b.add("j", new Add(), "c2b", "s");
        b.add("aj", Polynomial.of(0, 1, 0.2), "j");
        b.add("c3", Conv2d.of(random(r, 6, 8, 1, 1), random(r, 6), 1, 0), "aj");
        b.add("p", AvgPool.average(2, 2), "c3");
        b.add("g", GlobalAvgPool.AVERAGE, "p");
        b.add("f", new Flatten(), "g");
        b.add("l1", Linear.of(random(r, 7, 6), random(r, 7)), "f");
        b.add("a3", Polynomial.of(0, 1, 0.1), "l1");
        b.add("l2", Linear.of(random(r, 5, 7), random(r, 5)), "a3");
        return b.build();
    }

    @Test
    void stackedModelComputesEveryMemberOnTheSharedInput() {
        List<Model> members = new ArrayList<>();
        for (int m = 0; m < 3; m++) {
            members.add(member(10 + m, false));
        }
        EnsembleStack stack = EnsembleStack.of(members);
        assertEquals(3, stack.members());
        assertEquals(5, stack.outputs());
        Tensor image = random(new Random(5), 3, 8, 8);
        double[] stacked = PlainEvaluator.evaluate(stack.model(), image).toArray();
        assertEquals(15, stacked.length);
        double[] avg = new double[5];
        for (int m = 0; m < 3; m++) {
            double[] own = PlainEvaluator.evaluate(members.get(m), image).toArray();
            assertArrayEquals(own, stack.memberOutputs(stacked, m), 1e-12 * (1 + maxAbs(own)));
            double[] p = EnsembleStack.softmax(own);
            for (int k = 0; k < 5; k++) {
                avg[k] += p[k] / 3;
            }
        }
        assertArrayEquals(avg, stack.averageSoftmax(stacked), 1e-12);
        // Channels interleave: the first convolution has 3 × 4 outputs and the block-diagonal second one
        // connects member m's channels only to member m's channels.
        Conv2d c2 = (Conv2d) stack.model().node("c2").op();
        assertEquals(24, c2.outChannels());
        assertEquals(12, c2.inChannels());
        for (int o = 0; o < 24; o++) {
            for (int i = 0; i < 12; i++) {
                if (o % 3 != i % 3) {
                    for (int t = 0; t < 9; t++) {
                        assertEquals(0.0, c2.weight().get((o * 12 + i) * 9 + t));
                    }
                }
            }
        }
    }

    @Test
    void stacksPreparedModels() {
        List<Model> members = List.of(Passes.standard(member(1, true)), Passes.standard(member(2, true)));
        EnsembleStack stack = EnsembleStack.of(members);
        Tensor image = random(new Random(6), 3, 8, 8);
        double[] stacked = PlainEvaluator.evaluate(stack.model(), image).toArray();
        for (int m = 0; m < 2; m++) {
            double[] own = PlainEvaluator.evaluate(members.get(m), image).toArray();
            assertArrayEquals(own, stack.memberOutputs(stacked, m), 1e-12 * (1 + maxAbs(own)));
        }
    }

    @Test
    void oneMemberIsItself() {
        Model m = member(3, false);
        assertSame(m, EnsembleStack.of(List.of(m)).model());
    }

    @Test
    void refusesWhatItCannotStack() {
        var bn = assertThrows(IllegalArgumentException.class,
                () -> EnsembleStack.of(List.of(member(1, true), member(2, true))));
        assertTrue(bn.getMessage().contains("bn"), bn.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> EnsembleStack.of(List.of(member(1, false), member(2, true))));
        assertThrows(IllegalArgumentException.class, () -> EnsembleStack.of(List.of()));
        EnsembleStack two = EnsembleStack.of(List.of(member(1, false), member(2, false)));
        assertThrows(IllegalArgumentException.class, () -> two.memberOutputs(new double[5], 0));
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
