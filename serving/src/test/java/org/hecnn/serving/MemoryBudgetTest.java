package org.hecnn.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.hecnn.HecnnException;
import org.junit.jupiter.api.Test;

/** The heap a server gives its sessions' keys, and its refusal to start when not even one session fits. */
class MemoryBudgetTest {
    private static final long GIB = 1L << 30;

    @Test
    void keysGetWhatTheModelAndTheWorkingSetsLeaveOfEightyPercent() {
        MemoryBudget b = new MemoryBudget(20 * GIB, 3 * GIB, GIB, 2);
        assertEquals(20 * GIB / 100 * 80 - 3 * GIB - 2 * GIB, b.keyMemoryBytes());
        assertEquals((3 * GIB + 2 * GIB + 2 * 4 * GIB) / 80 * 100, b.heapNeeded(2, 4 * GIB));
        b.requireOneSession("m", b.keyMemoryBytes());
    }

    @Test
    void aHeapTooSmallForOneSessionIsRefusedWithTheHeapItNeeds() {
        // ResNet-20 as measured: the model 2.4 GiB, an evaluation 1.2 GiB, keys 6.0 GiB, in half of a 24 GiB machine
        MemoryBudget b = new MemoryBudget((long) (11.8 * GIB), (long) (2.4 * GIB), (long) (1.2 * GIB), 1);
        HecnnException e = assertThrows(HecnnException.class, () -> b.requireOneSession("resnet20", 6 * GIB));
        assertTrue(e.getMessage().contains("needs a heap of at least 12.0 GiB") && e.getMessage().contains(
                "HECNN_HEAP=12g") && e.getMessage().contains("heap is 11.8 GiB"), e.getMessage());
        MemoryBudget two = new MemoryBudget((long) (11.8 * GIB), (long) (2.4 * GIB), (long) (1.2 * GIB), 2);
        assertTrue(assertThrows(HecnnException.class, () -> two.requireOneSession("resnet20", 6 * GIB)).getMessage()
                .contains("fewer --workers"));
    }

    @Test
    void aServerLeftToSizeItsKeyMemoryTakesTheMeasuredBudget() {
        try (TestService svc = new TestService(5);
             HecnnServer server = svc.start(0, new ServingLimits(2, 0, 0, Duration.ofMinutes(1), 1, 2,
                     Duration.ofSeconds(5)))) {
            MemoryBudget b = server.memoryBudget();
            assertTrue(b.modelBytes() > 0 && b.workingSetBytes() > 0, b.toString());
            assertEquals(b.keyMemoryBytes(), server.limits().keyMemoryBytes());
            assertTrue(server.limits().keyMemoryBytes() >= svc.server.keyFootprint().engineBytes(), b.toString());
        }
    }

    @Test
    void anExplicitKeyMemoryIsKept() {
        try (TestService svc = new TestService(6);
             HecnnServer server = svc.start(0, TestService.limits(2, 1, 2, Duration.ofMinutes(1),
                     Duration.ofSeconds(5)))) {
            assertEquals(1L << 32, server.limits().keyMemoryBytes());
        }
    }
}
