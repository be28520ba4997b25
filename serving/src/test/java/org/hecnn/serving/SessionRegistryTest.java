package org.hecnn.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.hecnn.ckks.TestContexts;
import org.hecnn.inference.service.InferenceClient;
import org.junit.jupiter.api.Test;

/** A client refused at a session limit is told to come back when a session is likely to free, not much later. */
class SessionRegistryTest {
    @Test
    void theRetryHintFollowsHowLongSessionsAreHeld() throws Exception {
        try (TestService svc = new TestService(11);
             InferenceClient client = new InferenceClient(svc.server.description(), TestContexts.backend())) {
            ServingLimits limits = TestService.limits(1, 1, 4, Duration.ofMinutes(60), Duration.ofSeconds(10));
            try (SessionRegistry registry = new SessionRegistry(limits)) {
                registry.reserve(1);
                SessionRegistry.Entry first = registry.add(svc.server.open(client.evaluationKeys()), 1, 1,
                        System.nanoTime());
                var refused = assertThrows(OverloadedException.class, () -> registry.reserve(1));
                assertEquals(SessionRegistry.FIRST_RETRY, refused.retryAfter(), "no session has closed yet");
                Thread.sleep(300);
                registry.remove(first.id); // held for about 0.3 s
                registry.reserve(1);
                registry.add(svc.server.open(client.evaluationKeys()), 1, 1, System.nanoTime());
                Duration hint = assertThrows(OverloadedException.class, () -> registry.reserve(1)).retryAfter();
                // sessions live about 0.3 s here: the hint is the 1 s floor, far below the 15-minute idle quarter
                assertEquals(Duration.ofSeconds(1), hint);
                assertTrue(registry.retryHint(System.nanoTime() + Duration.ofMinutes(30).toNanos())
                        .compareTo(Duration.ofSeconds(1)) == 0, "an overdue session gives the floor, never less");
            }
        }
    }
}
