package org.hecnn.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.hecnn.backend.Availability;
import org.hecnn.backend.BackendProvider;
import org.hecnn.backend.Backends;
import org.hecnn.backend.PolyEngine;
import org.hecnn.ring.Primes;
import org.hecnn.ring.RnsRing;
import org.junit.jupiter.api.Test;

class ExecutorAndProviderTest {
    @Test
    void runsEveryIndexExactlyOnceOnSeveralThreads() {
        try (ForkJoinLimbExecutor ex = new ForkJoinLimbExecutor(4)) {
            for (int count : new int[] {0, 1, 2, 3, 7, 64}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(count, 1));
                Set<String> threads = ConcurrentHashMap.newKeySet();
                ex.forEach(count, i -> {
                    hits.incrementAndGet(i);
                    threads.add(Thread.currentThread().getName());
                    busy();
                });
                for (int i = 0; i < count; i++) {
                    assertEquals(1, hits.get(i), "index " + i + " of " + count);
                }
                if (count == 1) {
                    assertEquals(Set.of(Thread.currentThread().getName()), threads, "a single task runs inline");
                }
                if (count == 64) {
                    assertTrue(threads.stream().anyMatch(n -> n.startsWith("hecnn-cpu-")), threads.toString());
                }
            }
        }
    }

    private static void busy() {
        long x = 0;
        for (int i = 0; i < 200_000; i++) {
            x += i * 31L ^ x;
        }
        if (x == 42) {
            throw new AssertionError();
        }
    }

    @Test
    void oneThreadIsSequentialOnTheCaller() {
        try (ForkJoinLimbExecutor ex = new ForkJoinLimbExecutor(1)) {
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            ex.forEach(10, i -> threads.add(Thread.currentThread()));
            assertEquals(Set.of(Thread.currentThread()), threads);
        }
    }

    @Test
    void nestedCallsAndExceptionsPropagate() {
        try (ForkJoinLimbExecutor ex = new ForkJoinLimbExecutor(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(6 * 5);
            ex.forEach(6, i -> ex.forEach(5, j -> hits.incrementAndGet(i * 5 + j)));
            for (int i = 0; i < 30; i++) {
                assertEquals(1, hits.get(i));
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ex.forEach(8, i -> {
                if (i == 5) {
                    throw new IllegalStateException("limb 5 failed");
                }
            }));
            assertEquals("limb 5 failed", e.getMessage());
        }
    }

    @Test
    void threadCountComesFromTheSystemProperty() {
        String old = System.getProperty(ForkJoinLimbExecutor.THREADS_PROPERTY);
        try {
            System.setProperty(ForkJoinLimbExecutor.THREADS_PROPERTY, "3");
            assertEquals(3, ForkJoinLimbExecutor.configuredThreads());
            System.setProperty(ForkJoinLimbExecutor.THREADS_PROPERTY, "zero");
            assertThrows(IllegalArgumentException.class, ForkJoinLimbExecutor::configuredThreads);
            System.clearProperty(ForkJoinLimbExecutor.THREADS_PROPERTY);
            assertEquals(Runtime.getRuntime().availableProcessors(), ForkJoinLimbExecutor.configuredThreads());
        } finally {
            if (old == null) {
                System.clearProperty(ForkJoinLimbExecutor.THREADS_PROPERTY);
            } else {
                System.setProperty(ForkJoinLimbExecutor.THREADS_PROPERTY, old);
            }
        }
        assertSame(ForkJoinLimbExecutor.shared(), ForkJoinLimbExecutor.shared());
    }

    @Test
    void providerIsDiscoveredAndOpensAVectorEngine() {
        BackendProvider p = Backends.select("cpu");
        assertTrue(p instanceof CpuBackendProvider);
        assertEquals("cpu", p.name());
        assertEquals(10, p.preference());
        Availability a = p.availability();
        assertTrue(a.available(), a.reason());
        assertTrue(Backends.discover().stream().anyMatch(b -> b instanceof CpuBackendProvider));
        List<Long> q = Primes.generate(10, new int[] {50, 40}, List.of());
        try (PolyEngine e = p.open(new RnsRing(10, q, Primes.generate(10, new int[] {55}, q), 1))) {
            assertEquals("cpu", e.backendName());
        }
    }

    /** Without --add-modules jdk.incubator.vector the provider says so instead of failing. */
    @Test
    void unavailableWithoutTheVectorModule() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process proc = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ProbeMain.class.getName()).redirectErrorStream(true).start();
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "probe JVM timed out");
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, proc.exitValue(), out);
        assertTrue(out.contains("available=false"), out);
        assertTrue(out.contains("--add-modules jdk.incubator.vector"), out);
        assertFalse(out.contains("available=true"), out);
    }

    /**
     * Bodies that fill a 64 MiB heap make ForkJoinPool's own workers die of OutOfMemoryError; every call must still
     * end with that error (it used to wait forever on a task the dead worker took with it).
     */
    @Test
    void anExhaustedHeapEndsEachCallWithOutOfMemoryError() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Path log = Files.createTempFile("hecnn-heap-exhaustion", ".txt");
        Process proc = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                HeapExhaustionMain.class.getName()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = proc.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            proc.destroyForcibly().waitFor();
        }
        String out = Files.readString(log).trim();
        Files.delete(log);
        assertTrue(ended, "a call hung after the heap ran out: " + out);
        assertEquals(0, proc.exitValue(), out);
        assertTrue(out.endsWith(HeapExhaustionMain.ROUNDS + " of " + HeapExhaustionMain.ROUNDS
                + " calls ended with OutOfMemoryError"), out);
    }

    /**
     * Run in a JVM with a 64 MiB heap: calls whose bodies allocate until the heap is full (or their call has ended).
     * Everything the loop needs is allocated up front, so any OutOfMemoryError comes out of a call.
     */
    public static final class HeapExhaustionMain {
        static final int ROUNDS = 20;

        public static void main(String[] args) throws InterruptedException {
            List<List<long[]>> held = new ArrayList<>();
            AtomicBoolean[] ended = new AtomicBoolean[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                held.add(Collections.synchronizedList(new ArrayList<>()));
                ended[round] = new AtomicBoolean();
            }
            int failed = 0;
            try (ForkJoinLimbExecutor ex = new ForkJoinLimbExecutor(4)) {
                for (int round = 0; round < ROUNDS; round++) {
                    List<long[]> mine = held.get(round);
                    AtomicBoolean stop = ended[round];
                    try {
                        ex.forEach(64, i -> {
                            while (!stop.get()) {
                                mine.add(new long[1 << (10 + i % 8)]);
                            }
                        });
                    } catch (OutOfMemoryError expected) {
                        failed++;
                    }
                    stop.set(true);
                    mine.clear();
                }
            }
            Thread.sleep(500);
            System.out.println(failed + " of " + ROUNDS + " calls ended with OutOfMemoryError");
        }
    }

    /** Run in a JVM without the vector module. */
    public static final class ProbeMain {
        public static void main(String[] args) {
            Availability a = new CpuBackendProvider().availability();
            System.out.println("available=" + a.available() + " reason=" + a.reason());
        }
    }
}
