package org.hecnn.bench;

import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.backend.PolyEngine;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.Evaluator;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SwitchingKey;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A bare key switch on the engine: the c2 part of a top-level ct×ct product switched with the relinearisation
 * key (decompose, ModUp, inner product over QP, ModDown), the operation that dominates relinearize and rotate.
 * The thread count is fixed per fork by the benchmark class ({@code -Dhecnn.threads}), read at engine creation.
 */
@State(Scope.Benchmark)
public class KeySwitchState {
    @Param({"cpu"})
    public String backend;

    @Param({"14", "15", "16"})
    public int logN;

    Fixture fixture;
    PolyEngine engine;
    DeviceSwitchKey key;
    DevicePoly c2;
    private Ciphertext product;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = Fixture.create(backend, logN);
        engine = fixture.context.engine();
        SwitchingKey relin = fixture.keyGenerator.relinearizationKey(fixture.secretKey);
        key = engine.uploadSwitchKey(relin.b(), KeyGenerator.expandSwitchingKeyA(fixture.context.ring(), relin));
        Evaluator evaluator = new Evaluator(fixture.context);
        try (Ciphertext x = fixture.encryptTop(fixture.randomSlots());
             Ciphertext y = fixture.encryptTop(fixture.randomSlots())) {
            product = evaluator.multiplyNoRelinearize(x, y);
        }
        c2 = product.part(2);
        JitWarmup.run("keySwitch at logN " + logN + ", hecnn.threads=" + System.getProperty("hecnn.threads"),
                this::keySwitch);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        product.close();
        key.close();
        fixture.close();
    }

    DevicePoly[] keySwitch() {
        return engine.keySwitch(c2, key);
    }
}
