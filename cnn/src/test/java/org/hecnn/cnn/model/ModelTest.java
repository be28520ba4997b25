package org.hecnn.cnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Shape inference, validation errors that name the node, and the graph queries. */
class ModelTest {
    private static Conv2d conv(int co, int ci, int k, int stride, int pad) {
        return Conv2d.of(Tensor.zeros(co, ci, k, k), null, stride, pad);
    }

    private static InvalidModelException invalid(Runnable r, String node) {
        InvalidModelException e = assertThrows(InvalidModelException.class, r::run);
        assertEquals(node, e.nodeName());
        assertTrue(e.getMessage().contains("'" + node + "'"), e.getMessage());
        return e;
    }

    @Test
    void shapesAreInferred() {
        Model.Builder b = Model.builder("m").input("x", Shape.map(3, 8, 8));
        b.add("c1", conv(16, 3, 3, 1, 1), "x");
        b.add("c2", conv(32, 16, 3, 2, 1), "c1");
        b.add("sa", ShortcutA.of(16, 32), "c1");
        b.add("sum", new Add(), "c2", "sa");
        b.add("c3", conv(5, 32, 5, 2, 1), "sum");
        b.add("pool", AvgPool.average(2, 2), "sum");
        b.add("gap", GlobalAvgPool.AVERAGE, "pool");
        b.add("f", new Flatten(), "gap");
        b.add("fc", Linear.of(Tensor.zeros(10, 32), null), "f");
        Model m = b.build();
        assertEquals(Shape.map(16, 8, 8), m.node("c1").shape());
        assertEquals(Shape.map(32, 4, 4), m.node("c2").shape());
        assertEquals(Shape.map(32, 4, 4), m.node("sa").shape());
        assertEquals(Shape.map(32, 2, 2), m.node("pool").shape());
        assertEquals(Shape.map(32, 1, 1), m.node("gap").shape());
        assertEquals(Shape.vector(32), m.node("f").shape());
        assertEquals(Shape.vector(10), m.outputShape());
        assertFalse(m.contains("c3"), "c3 does not reach the output and is dropped");
        assertEquals(List.of("c2", "sa"), m.consumers("c1"));
        assertEquals("fc", m.output().name());
        assertTrue(m.heCompatible());
    }

    @Test
    void oddSizesFollowPyTorch() {
        // conv 5x5 stride 2 padding 1 on 28x28 -> 13x13 (CryptoNets); x[:, :, ::2, ::2] of 7 -> 4
        Model.Builder b = Model.builder("m").input("x", Shape.map(1, 28, 28));
        b.add("c", conv(5, 1, 5, 2, 1), "x");
        b.add("s", new ShortcutA(2, 0, 0), "c");
        Model m = b.build();
        assertEquals(Shape.map(5, 13, 13), m.node("c").shape());
        assertEquals(Shape.map(5, 7, 7), m.node("s").shape());
        assertEquals(Shape.map(4, 4, 4), new ShortcutA(2, 1, 1).outputShape(List.of(Shape.map(2, 7, 7))));
    }

    @Test
    void inconsistentGraphsNameTheNode() {
        Model.Builder b = Model.builder("m").input("x", Shape.map(3, 8, 8));
        invalid(() -> b.add("bad", conv(4, 2, 3, 1, 1), "x"), "bad");
        invalid(() -> b.add("fc", Linear.of(Tensor.zeros(2, 192), null), "x"), "fc");
        invalid(() -> b.add("big", conv(4, 3, 11, 1, 1), "x"), "big");
        invalid(() -> b.add("later", new Flatten(), "notyet"), "later");
        invalid(() -> b.add("x", new Flatten(), "x"), "x");
        invalid(() -> b.add("two", new Add(), "x"), "two");
        invalid(() -> b.input("x2", Shape.map(1, 1, 1)), "x2");
        b.add("c", conv(4, 3, 3, 2, 1), "x");
        InvalidModelException e = invalid(() -> b.add("sum", new Add(), "c", "x"), "sum");
        assertTrue(e.getMessage().contains("[4x4x4]") && e.getMessage().contains("[3x8x8]"), e.getMessage());
        invalid(() -> b.add("pc", Polynomial.perChannel(new double[][] {{0, 1}, {0, 1}}), "c"), "pc");
        invalid(() -> b.add("bn", new BatchNorm(Tensor.vector(1, 1), Tensor.vector(0, 0), Tensor.vector(0, 0),
                Tensor.vector(1, 1), 1e-5), "c"), "bn");
        assertThrows(InvalidModelException.class, () -> Model.builder("e").build());
        assertThrows(InvalidModelException.class, () -> b.output("nothing").build());
    }

    @Test
    void opsValidateTheirParameters() {
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm(Tensor.vector(1), Tensor.vector(0),
                Tensor.vector(0), Tensor.vector(-1), 1e-5));
        assertThrows(IllegalArgumentException.class, () -> Polynomial.of(0, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Conv2d(Tensor.zeros(2, 2, 3, 3), Tensor.zeros(3), 1, 1,
                0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> ShortcutA.of(16, 17));
        assertThrows(IllegalArgumentException.class, () -> new AvgPool(2, 2, 0, 2, 0.25));
        assertThrows(IllegalArgumentException.class, () -> Shape.map(0, 1, 1));
    }

    @Test
    void reluMakesTheModelNotHeCompatible() {
        Model.Builder b = Model.builder("m").input("x", Shape.map(1, 2, 2));
        b.add("r", new Relu(), "x");
        Model m = b.build();
        assertFalse(m.heCompatible());
        assertEquals("r", m.heIncompatibleNodes().get(0).name());
        NotHeCompatibleException e = assertThrows(NotHeCompatibleException.class, m::requireHeCompatible);
        assertTrue(e.getMessage().contains("'r'") && e.getMessage().contains("polynomial"), e.getMessage());
    }

    @Test
    void toBuilderRebuildsTheSameGraph() {
        Model.Builder b = Model.builder("m").input("x", Shape.map(2, 4, 4));
        b.add("c", conv(2, 2, 3, 1, 1), "x");
        b.add("a", Polynomial.of(0, 0.5, 0.25), "c");
        b.add("s", new Add(), "a", "x");
        Model m = b.build();
        Model again = m.toBuilder().build();
        assertEquals(m.nodes(), again.nodes());
        assertEquals(m.describe(), again.describe());
    }

    @Test
    void tensorsAreImmutable() {
        double[] data = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.of(data, 2, 3);
        data[0] = 99;
        assertEquals(1, t.get(0));
        double[] copy = t.toArray();
        copy[1] = 99;
        assertEquals(2, t.get(1));
        assertNotSame(t.dims(), t.dims());
        assertEquals(6, t.at(1, 2));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new double[5], 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> t.at(2, 0));
        assertEquals(t, Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
    }
}
