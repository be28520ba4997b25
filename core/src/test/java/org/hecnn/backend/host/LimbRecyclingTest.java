package org.hecnn.backend.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.hecnn.backend.DeviceDecomposition;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.ring.Galois;
import org.hecnn.ring.Primes;
import org.hecnn.ring.RnsRing;
import org.junit.jupiter.api.Test;

/**
 * Closed polynomials and operation temporaries go back to the engine's limb pool: recycled limbs never leak old
 * values into results, and a closed polynomial (or a decomposition of one) cannot be used again.
 */
class LimbRecyclingTest {
    private static final List<Long> Q = Primes.generate(10, new int[] {55, 50, 50, 50, 50}, List.of());
    private static final RnsRing RING = new RnsRing(10, Q, Primes.generate(10, new int[] {61, 61}, Q), 3);

    private static HostEngine engine() {
        return new HostEngine(RING, new ScalarLimbKernels(), LimbExecutor.SEQUENTIAL, "recycling");
    }

    private static HostEngine engineWithoutPool() {
        String old = System.getProperty(HostEngine.LIMB_POOL_BYTES);
        System.setProperty(HostEngine.LIMB_POOL_BYTES, "0");
        try {
            return new HostEngine(RING, new ScalarLimbKernels(), LimbExecutor.SEQUENTIAL, "fresh");
        } finally {
            if (old == null) {
                System.clearProperty(HostEngine.LIMB_POOL_BYTES);
            } else {
                System.setProperty(HostEngine.LIMB_POOL_BYTES, old);
            }
        }
    }

    @Test
    void allocateGivesZerosEvenFromRecycledLimbs() {
        HostEngine e = engine();
        SplittableRandom r = new SplittableRandom(1);
        e.upload(CompactKeysTest.random(r, RING, 5, true), 5, true).close();
        long[][] zeros = e.download(e.allocate(5, true));
        for (long[] limb : zeros) {
            assertArrayEquals(new long[RING.n()], limb);
        }
    }

    @Test
    void aClosedPolynomialCannotBeUsedAndClosingTwiceGivesItsLimbsBackOnce() {
        HostEngine e = engine();
        DevicePoly p = e.allocate(3, false);
        DevicePoly q = e.allocate(3, false);
        p.close();
        p.close();
        assertEquals(3, e.limbPool().cached());
        IllegalStateException x = assertThrows(IllegalStateException.class, () -> e.add(p, q, q));
        assertTrue(x.getMessage().contains("used after close"), x.getMessage());
        assertThrows(IllegalStateException.class, () -> e.download(p));
    }

    @Test
    void aLimbHandedBackTwiceIsRefused() {
        LimbPool pool = new LimbPool(16, 1 << 20);
        long[] limb = pool.take();
        pool.give(limb);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.give(limb));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        assertEquals(1, pool.cached());
        assertTrue(pool.take() == limb);
        assertEquals(0, pool.cached());
    }

    @Test
    void aDecompositionFailsOnceItsSourceOrItselfIsClosed() {
        HostEngine e = engine();
        SplittableRandom r = new SplittableRandom(2);
        long[][][][] material = keyMaterial(r);
        DeviceSwitchKey key = e.uploadSwitchKey(material[0], material[1]);
        int g = Galois.rotationElement(1, RING.logN());
        DevicePoly x = e.upload(CompactKeysTest.random(r, RING, 4, false), 4, false);
        DeviceDecomposition d = e.decompose(x);
        x.close();
        IllegalStateException closedSource = assertThrows(IllegalStateException.class, () -> e.keySwitch(d, key, g));
        assertTrue(closedSource.getMessage().contains("was closed before the decomposition"), closedSource.getMessage());
        DevicePoly y = e.upload(CompactKeysTest.random(r, RING, 4, false), 4, false);
        DeviceDecomposition d2 = e.decompose(y);
        d2.close();
        d2.close();
        assertThrows(IllegalStateException.class, () -> e.keySwitch(d2, key, g));
    }

    /**
     * The same key switches, rescales and products, run repeatedly on one engine whose pool hands back dirty
     * limbs, match an engine that allocates every limb fresh, bit for bit.
     */
    @Test
    void recycledLimbsGiveTheSameResultsAsFreshOnes() {
        HostEngine pooled = engine();
        HostEngine fresh = engineWithoutPool();
        SplittableRandom r = new SplittableRandom(3);
        long[][][][] material = keyMaterial(r);
        DeviceSwitchKey k1 = pooled.uploadSwitchKey(material[0], material[1]);
        DeviceSwitchKey k2 = fresh.uploadSwitchKey(material[0], material[1]);
        for (int round = 0; round < 4; round++) {
            int ql = 5 - round % 2;
            long[][] x = CompactKeysTest.random(r, RING, ql, false);
            long[][] y = CompactKeysTest.random(r, RING, ql, false);
            int g = Galois.rotationElement(1 + round, RING.logN());
            assertArrayEquals(run(fresh, k2, x, y, ql, g), run(pooled, k1, x, y, ql, g), "round " + round);
        }
        assertTrue(pooled.limbPool().cached() > 0, "the pooled engine recycled nothing");
    }

    /** Rotation key switch, relinearisation-style switch, tensor and rescale of x and y, all outputs downloaded. */
    private static long[][][] run(HostEngine e, DeviceSwitchKey key, long[][] x, long[][] y, int ql, int g) {
        DevicePoly px = e.upload(x, ql, false);
        DevicePoly py = e.upload(y, ql, false);
        DevicePoly[] rotated;
        DevicePoly[] plain;
        try (DeviceDecomposition d = e.decompose(px)) {
            rotated = e.keySwitch(d, key, g);
            plain = e.keySwitch(d, key, 1);
        }
        DevicePoly d0 = e.allocate(ql, false);
        DevicePoly d1 = e.allocate(ql, false);
        DevicePoly d2 = e.allocate(ql, false);
        e.tensor(px, py, py, px, d0, d1, d2);
        DevicePoly rescaled = e.rescale(d1);
        long[][][] out = {e.download(rotated[0]), e.download(rotated[1]), e.download(plain[0]),
                e.download(plain[1]), e.download(d0), e.download(d2), e.download(rescaled)};
        for (DevicePoly p : new DevicePoly[] {px, py, rotated[0], rotated[1], plain[0], plain[1], d0, d1, d2, rescaled}) {
            p.close();
        }
        return out;
    }

    /** Random switching-key material over all limbs: {b, a}, each [digit][limb][coefficient]. */
    private static long[][][][] keyMaterial(SplittableRandom r) {
        long[][][] b = new long[RING.dnum()][][];
        long[][][] a = new long[RING.dnum()][][];
        for (int j = 0; j < b.length; j++) {
            b[j] = CompactKeysTest.random(r, RING, RING.qCount(), true);
            a[j] = CompactKeysTest.random(r, RING, RING.qCount(), true);
        }
        return new long[][][][] {b, a};
    }
}
