package org.hecnn.bench;

/**
 * JVM flags of every benchmark fork (compile-time constants, so the {@code @Fork} annotations can name them).
 * The thread count is fixed per fork because the cpu backend sizes its worker pool from {@code hecnn.threads}
 * once, when the first engine is created.
 */
final class BenchConfig {
    private BenchConfig() {
    }

    /** The cpu backend's kernels use the Vector API. */
    static final String VECTOR = "--add-modules=jdk.incubator.vector";
    /** The GPU backends on the class path load JNI libraries when probed. */
    static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    /** N = 2^16 with eight Galois keys needs about 2 GB of keys; leave room for the product temporaries. */
    static final String HEAP = "-Xmx10g";
    static final String HEAP_MIN = "-Xms2g";
    /** JMH 1.37 reads fields through sun.misc.Unsafe; JDK 25 warns about that unless told it is allowed. */
    static final String UNSAFE = "--sun-misc-unsafe-memory-access=allow";
    /** SEAL's reference numbers are single-threaded. */
    static final String ONE_THREAD = "-Dhecnn.threads=1";
    static final String TWO_THREADS = "-Dhecnn.threads=2";
}
