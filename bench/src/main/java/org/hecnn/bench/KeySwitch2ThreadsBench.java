package org.hecnn.bench;

import java.util.concurrent.TimeUnit;
import org.hecnn.backend.DevicePoly;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/** Key switching ({@link KeySwitchState}) with the backend's executor on two worker threads ({@code -Dhecnn.threads=2}). */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchConfig.VECTOR, BenchConfig.NATIVE, BenchConfig.UNSAFE, BenchConfig.HEAP_MIN,
        BenchConfig.HEAP, BenchConfig.TWO_THREADS})
public class KeySwitch2ThreadsBench {
    @Benchmark
    public DevicePoly[] keySwitch(KeySwitchState state) {
        return state.keySwitch();
    }
}
