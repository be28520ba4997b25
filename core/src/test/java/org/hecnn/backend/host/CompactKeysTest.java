package org.hecnn.backend.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.ring.Galois;
import org.hecnn.ring.Primes;
import org.hecnn.ring.RnsRing;
import org.junit.jupiter.api.Test;

/** Keys stored without Shoup companions give the same key-switching results bit for bit. */
class CompactKeysTest {
    static long[][] random(SplittableRandom r, RnsRing ring, int ql, boolean special) {
        long[][] p = new long[ql + (special ? ring.pCount() : 0)][ring.n()];
        for (int i = 0; i < p.length; i++) {
            long q = ring.limbModulus(i, ql).value();
            for (int k = 0; k < ring.n(); k++) {
                p[i][k] = r.nextLong(q);
            }
        }
        return p;
    }

    @Test
    void compactAndShoupKeysAgree() {
        List<Long> q = Primes.generate(10, new int[] {55, 50, 50, 50, 50}, List.of());
        List<Long> p = Primes.generate(10, new int[] {61, 61}, q);
        RnsRing ring = new RnsRing(10, q, p, 3);
        SplittableRandom r = new SplittableRandom(4);
        long[][][] b = new long[ring.dnum()][][];
        long[][][] a = new long[ring.dnum()][][];
        for (int j = 0; j < b.length; j++) {
            b[j] = random(r, ring, ring.qCount(), true);
            a[j] = random(r, ring, ring.qCount(), true);
        }
        long[][] x = random(r, ring, 4, false);
        HostEngine fast = new HostEngine(ring, new ScalarLimbKernels(), LimbExecutor.SEQUENTIAL, "shoup");
        String old = System.getProperty(HostEngine.COMPACT_KEYS);
        System.setProperty(HostEngine.COMPACT_KEYS, "true");
        HostEngine compact;
        try {
            compact = new HostEngine(ring, new ScalarLimbKernels(), LimbExecutor.SEQUENTIAL, "compact");
        } finally {
            if (old == null) {
                System.clearProperty(HostEngine.COMPACT_KEYS);
            } else {
                System.setProperty(HostEngine.COMPACT_KEYS, old);
            }
        }
        int g = Galois.rotationElement(3, 10);
        DeviceSwitchKey k1 = fast.uploadSwitchKey(b, a);
        DeviceSwitchKey k2 = compact.uploadSwitchKey(b, a);
        DevicePoly[] r1 = fast.keySwitch(fast.decompose(fast.upload(x, 4, false)), k1, g);
        DevicePoly[] r2 = compact.keySwitch(compact.decompose(compact.upload(x, 4, false)), k2, g);
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(fast.download(r1[i]), compact.download(r2[i]));
        }
    }
}
