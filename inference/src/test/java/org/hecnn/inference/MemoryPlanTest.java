package org.hecnn.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.hecnn.ckks.TestContexts;
import org.hecnn.cnn.model.Model;
import org.hecnn.inference.packed.LayerPlan;
import org.hecnn.inference.packed.NetworkCompiler;
import org.hecnn.inference.packed.PrecisionTargets;
import org.hecnn.inference.service.KeyFootprint;
import org.hecnn.inference.service.MemoryPlan;
import org.junit.jupiter.api.Test;

/**
 * The memory a plan-only compile predicts ({@code hecnn plan}) is what the encoding compile then holds: the same
 * plaintext bytes, and the parts add up to the live total and the heap at the planned occupancy.
 */
class MemoryPlanTest {
    @Test
    void aPlanOnlyCompilePredictsThePlaintextsTheEncodingCompileHolds() throws IOException {
        Model imported = OnnxModelsEndToEndTest.load("resnet_b");
        PrecisionTargets targets = new PrecisionTargets(25, 17, 8);
        NetworkCompiler.Options options = OnnxModelsEndToEndTest.testOptions(imported, targets);
        long planned;
        MemoryPlan plan;
        try (NetworkCompiler.Compiled planOnly = NetworkCompiler.compile(imported, TestContexts.backend(), options,
                false)) {
            planned = planOnly.plaintextBytes();
            plan = MemoryPlan.of(planOnly);
            assertEquals(KeyFootprint.of(planOnly).engineBytes(), plan.keyBytes());
            assertEquals(planOnly.workingSetBytes(), plan.workingSetBytes());
        }
        try (NetworkCompiler.Compiled encoded = NetworkCompiler.compile(imported, TestContexts.backend(), options)) {
            long held = encoded.network().plan().stream().mapToLong(LayerPlan::plaintextBytes).sum();
            assertTrue(held > 0, "the small model keeps plaintexts");
            assertEquals(held, encoded.plaintextBytes());
            assertEquals(held, planned, "the plan-only compile predicts what encoding holds");
        }
        assertEquals(plan.plaintextBytes() + plan.limbPoolBytes() + plan.keyBytes() + plan.workingSetBytes(),
                plan.liveBytes());
        assertEquals(plan.liveBytes() / MemoryPlan.OCCUPANCY_PERCENT * 100, plan.heapBytes());
    }
}
