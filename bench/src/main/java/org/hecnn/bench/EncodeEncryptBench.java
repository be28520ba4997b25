package org.hecnn.bench;

import java.util.concurrent.TimeUnit;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.Plaintext;
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

/** Encoding N/2 reals at the top level and default scale, and public-key encryption of a top-level plaintext. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchConfig.VECTOR, BenchConfig.NATIVE, BenchConfig.UNSAFE, BenchConfig.HEAP_MIN,
        BenchConfig.HEAP, BenchConfig.ONE_THREAD})
public class EncodeEncryptBench {
    @Param({"cpu"})
    public String backend;

    @Param({"14", "15", "16"})
    public int logN;

    private Fixture fixture;
    private double[] values;
    private Plaintext plaintext;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        fixture = Fixture.create(backend, logN);
        values = fixture.randomSlots();
        plaintext = fixture.encodeTop(values);
        try (Ciphertext ct = fixture.encryptor.encrypt(plaintext)) {
            fixture.check("encode+encrypt", ct, values, 1e-4);
        }
        String op = Fixture.method(params);
        JitWarmup.run(op + " at logN " + logN, op.equals("encrypt") ? this::encrypt : this::encode);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        plaintext.close();
        fixture.close();
    }

    @Benchmark
    public Plaintext encode() {
        return fixture.encoder.encode(values, fixture.topLevel(), fixture.parameters.defaultScale());
    }

    @Benchmark
    public Ciphertext encrypt() {
        return fixture.encryptor.encrypt(plaintext);
    }
}
