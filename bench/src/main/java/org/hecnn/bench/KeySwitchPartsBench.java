package org.hecnn.bench;

import java.util.concurrent.TimeUnit;
import org.hecnn.backend.DeviceDecomposition;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.backend.PolyEngine;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SwitchingKey;
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
 * Diagnostic breakdown of a rotation's key switch on one thread, for backend work (not part of the SEAL table):
 * decomposition (INTT, ModUp, NTT), the key-switch inner product + ModDown without an automorphism (as in
 * relinearisation) and with one (as in rotation, the digits permuted on the fly), and the automorphism of c0.
 * rotate ≈ decompose + keySwitchRotation + automorphism + one add.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchConfig.VECTOR, BenchConfig.NATIVE, BenchConfig.UNSAFE, BenchConfig.HEAP_MIN,
        BenchConfig.HEAP, BenchConfig.ONE_THREAD})
public class KeySwitchPartsBench {
    @Param({"cpu"})
    public String backend;

    @Param({"14", "15", "16"})
    public int logN;

    private Fixture fixture;
    private PolyEngine engine;
    private DeviceSwitchKey galoisKey;
    private int element;
    private Ciphertext x;
    private DeviceDecomposition decomposition;
    private DevicePoly rotated;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        fixture = Fixture.create(backend, logN);
        engine = fixture.context.engine();
        element = Galois.rotationElement(1, logN);
        SwitchingKey key = fixture.keyGenerator.galoisKey(fixture.secretKey, element);
        galoisKey = engine.uploadSwitchKey(key.b(), KeyGenerator.expandSwitchingKeyA(fixture.context.ring(), key));
        x = fixture.encryptTop(fixture.randomSlots());
        decomposition = engine.decompose(x.part(1));
        rotated = engine.allocate(x.level() + 1, false);
        String op = Fixture.method(params);
        Runnable body = switch (op) {
            case "decompose" -> this::decompose;
            case "keySwitchRelin" -> this::keySwitchRelin;
            case "keySwitchRotation" -> this::keySwitchRotation;
            case "automorphism" -> this::automorphism;
            default -> throw new IllegalStateException("no warm-up for " + op);
        };
        JitWarmup.run(op + " at logN " + logN, body);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        decomposition.close();
        galoisKey.close();
        x.close();
        fixture.close();
    }

    @Benchmark
    public DeviceDecomposition decompose() {
        return engine.decompose(x.part(1));
    }

    @Benchmark
    public DevicePoly[] keySwitchRelin() {
        return engine.keySwitch(decomposition, galoisKey, 1);
    }

    @Benchmark
    public DevicePoly[] keySwitchRotation() {
        return engine.keySwitch(decomposition, galoisKey, element);
    }

    @Benchmark
    public DevicePoly automorphism() {
        engine.automorphism(x.part(0), element, rotated);
        return rotated;
    }
}
