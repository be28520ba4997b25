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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The evaluator's core operations on fresh top-level ciphertexts (all data primes, as in sealbench): ct×ct
 * product without relinearisation, relinearisation of a 3-part product, rotation by one slot, rescale of a
 * 2-part ciphertext. One thread ({@code -Dhecnn.threads=1}), for the comparison with single-threaded SEAL.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchConfig.VECTOR, BenchConfig.NATIVE, BenchConfig.UNSAFE, BenchConfig.HEAP_MIN,
        BenchConfig.HEAP, BenchConfig.ONE_THREAD})
public class EvaluatorBench {
    @Param({"cpu"})
    public String backend;

    @Param({"14", "15", "16"})
    public int logN;

    private Fixture fixture;
    private Evaluator evaluator;
    private Ciphertext x;
    private Ciphertext y;
    private Ciphertext product;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        fixture = Fixture.create(backend, logN);
        evaluator = fixture.evaluator(1);
        double[] a = fixture.randomSlots();
        double[] b = fixture.randomSlots();
        x = fixture.encryptTop(a);
        y = fixture.encryptTop(b);
        product = evaluator.multiplyNoRelinearize(x, y);
        // Correctness guards (untimed): the timed operations must give the right answers on this backend.
        double[] ab = new double[a.length];
        for (int i = 0; i < ab.length; i++) {
            ab[i] = a[i] * b[i];
        }
        try (Ciphertext r = evaluator.relinearize(product); Ciphertext s = evaluator.rescale(r)) {
            fixture.check("multiply+relinearize+rescale", s, ab, 1e-3);
        }
        try (Ciphertext r = evaluator.rotate(x, 1)) {
            fixture.check("rotate", r, Fixture.rotateLeft(a, 1), 1e-3);
        }
        String op = Fixture.method(params);
        Runnable body = switch (op) {
            case "multiplyNoRelin" -> this::multiplyNoRelin;
            case "relinearize" -> this::relinearize;
            case "rotate" -> this::rotate;
            case "rescale" -> this::rescale;
            default -> throw new IllegalStateException("no warm-up for " + op);
        };
        JitWarmup.run(op + " at logN " + logN, body);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        product.close();
        x.close();
        y.close();
        fixture.close();
    }

    @Benchmark
    public Ciphertext multiplyNoRelin() {
        return evaluator.multiplyNoRelinearize(x, y);
    }

    @Benchmark
    public Ciphertext relinearize() {
        return evaluator.relinearize(product);
    }

    @Benchmark
    public Ciphertext rotate() {
        return evaluator.rotate(x, 1);
    }

    @Benchmark
    public Ciphertext rescale() {
        return evaluator.rescale(x);
    }
}
