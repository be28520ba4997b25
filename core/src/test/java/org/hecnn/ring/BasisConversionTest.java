package org.hecnn.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.List;
import org.hecnn.backend.host.ScalarLimbKernels;
import org.junit.jupiter.api.Test;

class BasisConversionTest {
    @Test
    void crtRoundTripsAndConversionGivesTheCentredRepresentative() {
        int logN = 4;
        List<Modulus> src = Primes.generate(logN, new int[] {50, 45, 60}, List.of()).stream().map(Modulus::new)
                .toList();
        List<Modulus> dst = Primes.generate(logN, new int[] {61, 30}, List.of(src.get(0).value(),
                src.get(1).value(), src.get(2).value())).stream().map(Modulus::new).toList();
        RnsBasis basis = new RnsBasis(src);
        BasisConverter conv = new BasisConverter(src, dst);
        ScalarLimbKernels k = new ScalarLimbKernels();
        java.util.Random random = new java.util.Random(5);
        for (int trial = 0; trial < 2000; trial++) {
            BigInteger x = new BigInteger(160, random).mod(basis.product());
            if (trial < 4) {
                BigInteger half = basis.product().shiftRight(1);
                x = new BigInteger[] {BigInteger.ZERO, BigInteger.ONE, half, basis.product().subtract(BigInteger.ONE)}[trial];
            }
            long[] res = basis.decompose(x);
            assertEquals(x, basis.compose(res));
            BigInteger centred = basis.composeCentered(res);
            long[][] ys = new long[src.size()][1];
            for (int i = 0; i < src.size(); i++) {
                ys[i][0] = src.get(i).mulShoup(res[i], conv.hatInverse(i), conv.hatInverseShoup(i));
            }
            int[] v = new int[1];
            k.conversionQuotients(ys, conv.inverseModuli(), v);
            for (int j = 0; j < dst.size(); j++) {
                long[] out = new long[1];
                k.linearCombination(ys, conv.hatModTarget(j), conv.hatModTargetShoup(j), v, conv.corrections(j), out,
                        dst.get(j));
                BigInteger tj = BigInteger.valueOf(dst.get(j).value());
                // Exactly at ±Q/2 (within double precision of the quotient) either representative is centred.
                boolean atBoundary = centred.abs().shiftLeft(1).subtract(basis.product()).abs()
                        .compareTo(basis.product().shiftRight(40)) < 0;
                BigInteger other = centred.signum() > 0 ? centred.subtract(basis.product()) : centred.add(basis.product());
                if (!(atBoundary && other.mod(tj).longValue() == out[0])) {
                    assertEquals(centred.mod(tj).longValue(), out[0], "trial " + trial + " target " + j);
                }
            }
        }
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
