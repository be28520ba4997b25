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
        HostEngine compact = engineWith(ring, false);
        int g = Galois.rotationElement(3, 10);
        DeviceSwitchKey k1 = fast.uploadSwitchKey(b, a);
        DeviceSwitchKey k2 = compact.uploadSwitchKey(b, a);
        DevicePoly[] r1 = fast.keySwitch(fast.decompose(fast.upload(x, 4, false)), k1, g);
        DevicePoly[] r2 = compact.keySwitch(compact.decompose(compact.upload(x, 4, false)), k2, g);
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(fast.download(r1[i]), compact.download(r2[i]));
        }
    }

    /** A key whose uniform half is made limb by limb when used gives the same results as one uploaded whole. */
    @Test
    void uniformHalfMadeOnDemandAgreesWithTheUploadedOne() {
        List<Long> q = Primes.generate(10, new int[] {55, 50, 50, 50, 50}, List.of());
        List<Long> p = Primes.generate(10, new int[] {61, 61}, q);
        RnsRing ring = new RnsRing(10, q, p, 3);
        SplittableRandom r = new SplittableRandom(8);
        int keyQ = 4; // truncated below the top: special limbs sit at different indices in key and operand
        long[][][] b = new long[ring.digitCount(keyQ)][][];
        long[][][] a = new long[b.length][][];
        for (int j = 0; j < b.length; j++) {
            b[j] = random(r, ring, keyQ, true);
            a[j] = random(r, ring, keyQ, true);
        }
        java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
        org.hecnn.backend.KeyLimbSource source = new org.hecnn.backend.KeyLimbSource() {
            @Override
            public int digits() {
                return a.length;
            }

            @Override
            public int limbs() {
                return a[0].length;
            }

            @Override
            public void fill(int digit, int limb, long[] out) {
                made.incrementAndGet();
                System.arraycopy(a[digit][limb], 0, out, 0, out.length);
            }
        };
        HostEngine compact = engineWith(ring, true);
        HostEngine shoup = new HostEngine(ring, new ScalarLimbKernels(), LimbExecutor.SEQUENTIAL, "shoup");
        DeviceSwitchKey whole = shoup.uploadSwitchKey(b, a);
        DeviceSwitchKey onDemand = compact.uploadSwitchKey(b, source);
        DeviceSwitchKey materialised = shoup.uploadSwitchKey(b, source); // the default: every limb made at upload
        for (int ql = keyQ; ql >= 1; ql--) {
            long[][] x = random(r, ring, ql, false);
            for (int g : new int[] {1, Galois.rotationElement(3, 10)}) {
                DevicePoly[] r1 = shoup.keySwitch(shoup.decompose(shoup.upload(x, ql, false)), whole, g);
                DevicePoly[] r2 = compact.keySwitch(compact.decompose(compact.upload(x, ql, false)), onDemand, g);
                DevicePoly[] r3 = shoup.keySwitch(shoup.decompose(shoup.upload(x, ql, false)), materialised, g);
                for (int i = 0; i < 2; i++) {
                    assertArrayEquals(shoup.download(r1[i]), compact.download(r2[i]), ql + " limbs, g " + g);
                    assertArrayEquals(shoup.download(r1[i]), shoup.download(r3[i]), ql + " limbs, g " + g);
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(made.get() > a.length * a[0].length,
                "the on-demand key made its limbs at each use: " + made.get());
    }

    /** A compact-key engine ({@link HostEngine#COMPACT_KEYS}), keeping seeded keys' sources if {@code seeded}. */
    private static HostEngine engineWith(RnsRing ring, boolean seeded) {
        String oldCompact = System.getProperty(HostEngine.COMPACT_KEYS);
        String oldSeeded = System.getProperty(HostEngine.SEEDED_KEYS);
        System.setProperty(HostEngine.COMPACT_KEYS, "true");
        System.setProperty(HostEngine.SEEDED_KEYS, String.valueOf(seeded));
        try {
            return new HostEngine(ring, new ScalarLimbKernels(), LimbExecutor.SEQUENTIAL, "compact");
        } finally {
            restore(HostEngine.COMPACT_KEYS, oldCompact);
            restore(HostEngine.SEEDED_KEYS, oldSeeded);
        }
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }
}
