package org.hecnn.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.PolyEngine;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.StandardParameters;
import org.hecnn.backend.Backends;
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
 * Negacyclic NTT of one prime (the first data prime q_0) through the backend's own kernels: a one-limb
 * polynomial transformed in place by {@link PolyEngine#forwardNtt} / {@link PolyEngine#inverseNtt}. The
 * transforms map canonical residues to canonical residues, so repeating them in place stays valid.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchConfig.VECTOR, BenchConfig.NATIVE, BenchConfig.UNSAFE, BenchConfig.HEAP_MIN,
        BenchConfig.HEAP, BenchConfig.ONE_THREAD})
public class NttBench {
    @Param({"cpu"})
    public String backend;

    @Param({"14", "15", "16"})
    public int logN;

    private CkksContext context;
    private PolyEngine engine;
    private DevicePoly poly;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        context = CkksContext.create(StandardParameters.forLogN(logN), Backends.select(backend));
        engine = context.engine();
        int n = 1 << logN;
        long q = context.ring().q(0).value();
        Random random = new Random(1);
        long[][] limb = new long[1][n];
        for (int i = 0; i < n; i++) {
            limb[0][i] = Math.floorMod(random.nextLong(), q);
        }
        poly = engine.upload(limb, 1, false);
        System.out.println("# hecnn NTT on " + context + ": prime q_0 = " + q + " (" + (64 - Long.numberOfLeadingZeros(q))
                + " bits), hecnn.threads=" + System.getProperty("hecnn.threads", "(unset)"));
        String op = Fixture.method(params);
        JitWarmup.run(op + " at logN " + logN, op.equals("nttInverse") ? this::nttInverse : this::nttForward);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        poly.close();
        context.close();
    }

    @Benchmark
    public DevicePoly nttForward() {
        engine.forwardNtt(poly);
        return poly;
    }

    @Benchmark
    public DevicePoly nttInverse() {
        engine.inverseNtt(poly);
        return poly;
    }
}
