package org.hecnn.cpu;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.hecnn.ring.Modulus;
import org.hecnn.ring.NttTable;
import org.hecnn.ring.Primes;

/** Times the pieces of the vector NTT separately (not a test). Args: bits logN. */
public final class NttStageBench {
    public static void main(String[] args) {
        int bits = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int logN = args.length > 1 ? Integer.parseInt(args[1]) : 14;
        int n = 1 << logN;
        Modulus q = new Modulus(Primes.generate(logN, new int[] {bits}, List.of()).get(0));
        NttTable table = new NttTable(q, logN);
        NttPlan plan = NttPlan.of(table);
        long[] a = KernelBench.random(new SplittableRandom(1), n, q.value());
        long qq = q.value();
        long[] w = table.forwardTwiddles();
        long[] ws = table.forwardTwiddlesShoup();
        long[] iw = table.inverseTwiddles();
        long[] iws = table.inverseTwiddlesShoup();
        int lanes = VectorLimbKernels.LANES;
        report("fwd stage m=1 (t=N/2)", n, () -> VectorLimbKernels.forwardStage(a, 1, n / 2, w, ws, qq, 0, 1, 0, n / 2));
        report("fwd stage t=64", n, () -> VectorLimbKernels.forwardStage(a, n / 128, 64, w, ws, qq, 0, n / 128, 0, 64));
        report("fwd stage t=64", n, () -> VectorLimbKernels.forwardStage(a, n / 128, 64, w, ws, qq, 0, n / 128, 0, 64));
        report("fwd stage t=lanes", n, () -> VectorLimbKernels.forwardStage(a, n / (2 * lanes), lanes, w, ws, qq, 0, n / (2 * lanes), 0, lanes));
        report("fwd tail", n, () -> VectorLimbKernels.forwardTail(a, n, w, ws, qq, 0, n));
        report("fwd tail scalar", n, () -> VectorLimbKernels.forwardTailScalar(a, n, w, ws, qq));
        report("fwd tail", n, () -> VectorLimbKernels.forwardTail(a, n, w, ws, qq, 0, n));
        report("fwd tail scalar", n, () -> VectorLimbKernels.forwardTailScalar(a, n, w, ws, qq));
        report("fwd tail8", n, () -> VectorLimbKernels.forwardTail8(a, n, w, ws, qq, 0, n));
        report("fwd tail", n, () -> VectorLimbKernels.forwardTail(a, n, w, ws, qq, 0, n));
        report("fwd tail8", n, () -> VectorLimbKernels.forwardTail8(a, n, w, ws, qq, 0, n));
        report("inv head", n, () -> VectorLimbKernels.inverseHead(a, n, iw, iws, qq, 0, n));
        report("inv head8", n, () -> VectorLimbKernels.inverseHead8(a, n, iw, iws, qq, 0, n));
        report("inv head", n, () -> VectorLimbKernels.inverseHead(a, n, iw, iws, qq, 0, n));
        report("inv head8", n, () -> VectorLimbKernels.inverseHead8(a, n, iw, iws, qq, 0, n));
        report("inv head scalar", n, () -> VectorLimbKernels.inverseHeadScalar(a, n, iw, iws, qq));
        report("inv stage t=64", n, () -> VectorLimbKernels.inverseStage(a, n / 128, 64, iw, iws, qq, 0, n / 128, 0, 64));
        report("inv last", n, () -> VectorLimbKernels.inverseLast(a, n / 2, table.nInverse(), table.nInverseShoup(),
                plan.lastTwiddle, plan.lastTwiddleShoup, qq, 0, n / 2));
        if (plan.fp) {
            report("fp fwd stage t=64", n, () -> VectorLimbKernels.forwardStageFp(a, n / 128, 64, w,
                    plan.forwardQuotients, qq, 0, n / 128, 0, 64));
            report("fp fwd tail", n, () -> VectorLimbKernels.forwardTailFp(a, n, w, plan.forwardQuotients, qq, 0, n));
            report("fp fwd tail8", n, () -> VectorLimbKernels.forwardTail8Fp(a, n, w, plan.forwardQuotients, qq, 0, n));
            report("fp inv head", n, () -> VectorLimbKernels.inverseHeadFp(a, n, iw, plan.inverseQuotients, qq, 0, n));
            report("fp inv head8", n, () -> VectorLimbKernels.inverseHead8Fp(a, n, iw, plan.inverseQuotients, qq, 0, n));
        }
    }

    static void report(String name, int n, KernelBench.Op op) {
        // the stage functions keep values below 4q; reset the array now and then via a fresh copy is not needed
        double ns = KernelBench.time(op, 1500, 100, 7);
        System.out.printf(Locale.ROOT, "%-24s %8.3f ns/el %9.1f us%n", name, ns / n, ns / 1000);
    }
}
