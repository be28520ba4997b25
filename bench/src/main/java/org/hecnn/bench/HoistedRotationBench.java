package org.hecnn.bench;

import java.util.concurrent.TimeUnit;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.Evaluator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Eight rotations (steps 1..8) of one top-level ciphertext: hoisted (one decomposition shared by all steps)
 * against eight independent {@code rotate} calls. One thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {BenchConfig.VECTOR, BenchConfig.NATIVE, BenchConfig.UNSAFE, BenchConfig.HEAP_MIN,
        BenchConfig.HEAP, BenchConfig.ONE_THREAD})
public class HoistedRotationBench {
    static final int[] STEPS = {1, 2, 3, 4, 5, 6, 7, 8};

    @Param({"cpu"})
    public String backend;

    @Param({"14", "15", "16"})
    public int logN;

    private Fixture fixture;
    private Evaluator evaluator;
    private Ciphertext x;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        fixture = Fixture.create(backend, logN);
        evaluator = fixture.evaluator(STEPS);
        double[] a = fixture.randomSlots();
        x = fixture.encryptTop(a);
        Ciphertext[] hoisted = evaluator.rotateHoisted(x, STEPS);
        for (int i = 0; i < STEPS.length; i++) {
            fixture.check("hoisted rotation by " + STEPS[i], hoisted[i], Fixture.rotateLeft(a, STEPS[i]), 1e-3);
            hoisted[i].close();
        }
        String op = Fixture.method(params);
        JitWarmup.run(op + " at logN " + logN,
                op.equals("rotate8Independent") ? this::rotate8Independent : this::rotate8Hoisted);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
        fixture.close();
    }

    @Benchmark
    public Ciphertext[] rotate8Hoisted() {
        return evaluator.rotateHoisted(x, STEPS);
    }

    @Benchmark
    public Ciphertext[] rotate8Independent() {
        Ciphertext[] out = new Ciphertext[STEPS.length];
        for (int i = 0; i < STEPS.length; i++) {
            out[i] = evaluator.rotate(x, STEPS[i]);
        }
        return out;
    }
}
