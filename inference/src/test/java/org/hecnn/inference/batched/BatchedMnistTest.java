package org.hecnn.inference.batched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.hecnn.backend.Backends;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.onnx.OnnxImporter;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.LayerProgress;
import org.junit.jupiter.api.Test;

class BatchedMnistTest {
    static final Path POW2 = Path.of("../models/mnist_cryptonets_pow2.onnx");
    static final double LO = (0 - 0.1307) / 0.3081;
    static final double HI = (1 - 0.1307) / 0.3081;

    @Test
    void explore() {
        Model m = OnnxImporter.load(POW2);
        BatchedPlan plan = BatchedCompiler.plan(m, LO, HI, BatchedPlan.Precision.standard());
        System.out.println("primes " + java.util.Arrays.toString(plan.dataPrimeBits()) + " logQP " + plan.logQP());
        BatchedNetwork net = BatchedCompiler.compile(m, LO, HI, BatchedPlan.Precision.standard(), 4096, null,
                Backends.select("cpu"));
        for (var s : net.stagePlans()) {
            System.out.println(s);
        }
        Random r = new Random(1);
        int batch = 16;
        double[][] imgs = new double[batch][784];
        for (double[] img : imgs) {
            for (int i = 0; i < img.length; i++) {
                img[i] = r.nextDouble() < 0.8 ? LO : LO + (HI - LO) * r.nextDouble();
            }
        }
        try (BatchedClient client = new BatchedClient(net.describe(), Backends.select("cpu"))) {
            long t0 = System.nanoTime();
            byte[][] in = client.encrypt(imgs);
            long t1 = System.nanoTime();
            var res = net.evaluate(in, client.evaluationKeys(), (i, t, n, k, ns, l) ->
                    System.out.printf("%d/%d %s %s %.3f s level %d%n", i, t, n, k, ns / 1e9, l));
            long t2 = System.nanoTime();
            double[][] out = client.decrypt(res.outputs(), batch);
            System.out.printf("encrypt %.2f s eval %.2f s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9);
            System.out.println("counts dyn " + res.counts());
            System.out.println("counts sta " + net.counts());
            double maxErr = 0;
            for (int b = 0; b < batch; b++) {
                double[] plain = PlainEvaluator.evaluate(m, Tensor.of(imgs[b], 1, 28, 28)).toArray();
                double[] prog = net.plan().program().evaluate(imgs[b]);
                for (int k = 0; k < 10; k++) {
                    maxErr = Math.max(maxErr, Math.abs(out[b][k] - plain[k]));
                    assertEquals(plain[k], prog[k], 1e-9 * Math.max(1, Math.abs(plain[k])));
                }
            }
            System.out.println("max err " + maxErr);
        }
    }
}
