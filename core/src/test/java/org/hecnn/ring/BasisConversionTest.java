package org.hecnn.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.SplittableRandom;
import org.hecnn.backend.host.ScalarLimbKernels;
import org.junit.jupiter.api.Test;

class BasisConversionTest {
    @Test
    void crtRoundTripsAndFastConversionIsExactUpToMultiplesOfTheSourceProduct() {
        int logN = 4;
        List<Modulus> src = Primes.generate(logN, new int[] {50, 45, 60}, List.of()).stream().map(Modulus::new)
                .toList();
        List<Modulus> dst = Primes.generate(logN, new int[] {61, 30}, List.of(src.get(0).value(),
                src.get(1).value(), src.get(2).value())).stream().map(Modulus::new).toList();
        RnsBasis basis = new RnsBasis(src);
        BasisConverter conv = new BasisConverter(src, dst);
        SplittableRandom rnd = new SplittableRandom(7);
        ScalarLimbKernels k = new ScalarLimbKernels();
        for (int trial = 0; trial < 200; trial++) {
            BigInteger x = new BigInteger(150, new java.util.Random(trial)).mod(basis.product());
            long[] res = basis.decompose(x);
            assertEquals(x, basis.compose(res));
            long[][] ys = new long[src.size()][1];
            for (int i = 0; i < src.size(); i++) {
                ys[i][0] = src.get(i).mulShoup(res[i], conv.hatInverse(i), conv.hatInverseShoup(i));
            }
            for (int j = 0; j < dst.size(); j++) {
                long[] out = new long[1];
                k.linearCombination(ys, conv.hatModTarget(j), conv.hatModTargetShoup(j), out, dst.get(j));
                BigInteger tj = BigInteger.valueOf(dst.get(j).value());
                boolean found = false;
                for (int u = 0; u < src.size() && !found; u++) {
                    found = x.add(basis.product().multiply(BigInteger.valueOf(u))).mod(tj).longValue() == out[0];
                }
                assertTrue(found, "conversion must equal x + u*Q for some 0 <= u < " + src.size());
            }
        }
        assertTrue(rnd != null);
    }

    @Test
    void centredReductionMapsUpperHalfToNegatives() {
        Modulus from = new Modulus(Primes.generate(4, new int[] {40}, List.of()).get(0));
        Modulus to = new Modulus(Primes.generate(4, new int[] {20}, List.of()).get(0));
        long[] x = {0, 1, from.value() / 2, from.value() / 2 + 1, from.value() - 1};
        long[] out = new long[x.length];
        new ScalarLimbKernels().reduceCentered(x, from, out, to);
        long[] expected = {0, 1, Math.floorMod(from.value() / 2, to.value()),
            Math.floorMod(from.value() / 2 + 1 - from.value(), to.value()), to.value() - 1};
        for (int i = 0; i < x.length; i++) {
            assertEquals(expected[i], out[i], "index " + i);
        }
    }
}
