package org.hecnn.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hecnn.backend.BackendProvider;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.Decryptor;
import org.hecnn.ckks.Encryptor;
import org.hecnn.ckks.Evaluator;
import org.hecnn.ckks.StandardParameters;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.EvaluationKeys;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SecretKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The CKKS demonstration: encrypts two vectors at 128-bit security, evaluates x·y, a rotation and a quadratic
 * polynomial, decrypts, and prints the precision of each result against doubles and the time of each step.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Encrypt vectors, compute on them, decrypt; print precision and timings.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--backend", description = "cpu, cuda, opencl, reference or auto (default: ${DEFAULT-VALUE})",
            defaultValue = "auto")
    String backend;

    @Option(names = "--logN", description = "ring degree exponent of a standard 128-bit set: 14, 15 or 16 "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "14")
    int logN;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    /** One timed step of the demonstration. */
    private record Step(String step, double millis) {
    }

    private final List<Step> rows = new ArrayList<>();

    private <T> T timed(String step, java.util.function.Supplier<T> body) {
        long t0 = System.nanoTime();
        T result = body.get();
        rows.add(new Step(step, (System.nanoTime() - t0) / 1e6));
        return result;
    }

    @Override
    public Integer call() {
        CkksParameters params = StandardParameters.forLogN(OptionCheck.between("--logN", logN, 14, 16,
                "for the standard 128-bit sets"));
        BackendProvider provider = BackendChoice.select(backend);
        try (CkksContext ctx = CkksContext.create(params, provider)) {
            int slots = params.slots();
            double[] x = new double[slots];
            double[] y = new double[slots];
            for (int i = 0; i < slots; i++) {
                x[i] = Math.sin(0.001 * i);
                y[i] = Math.cos(0.003 * i);
            }
            CkksEncoder encoder = new CkksEncoder(ctx);
            KeyGenerator kg = KeyGenerator.secure(ctx.engine());
            SecretKey sk = timed("secret key", kg::secretKey);
            var pk = timed("public key", () -> kg.publicKey(sk));
            EvaluationKeys evk = timed("relinearisation + 1 rotation key",
                    () -> kg.evaluationKeys(sk, Galois.rotationElement(1, logN)));
            Encryptor encryptor = Encryptor.withPublicKey(ctx, pk);
            Decryptor decryptor = new Decryptor(ctx, sk);
            Evaluator eval = new Evaluator(ctx, evk);
            int top = params.maxLevel();
            double scale = params.defaultScale();
            var px = timed("encode x", () -> encoder.encode(x, top, scale));
            Ciphertext cx = timed("encrypt x (public key)", () -> encryptor.encrypt(px));
            Ciphertext cy = timed("encode+encrypt y", () -> encryptor.encrypt(encoder.encode(y, top, scale)));
            Ciphertext prod = timed("multiply x*y + relinearize", () -> eval.multiply(cx, cy));
            Ciphertext prodR = timed("rescale", () -> eval.rescale(prod));
            Ciphertext rot = timed("rotate by 1", () -> eval.rotate(prodR, 1));
            // 0.25x^2 + 0.5x + 0.2 = h^2 + h + 0.2 with h = 0.5x; both terms end at the same level and scale.
            Ciphertext poly = timed("0.25x^2 + 0.5x + 0.2 (2 levels)", () -> {
                Ciphertext h = eval.rescale(eval.multiplyConstant(cx, 0.5, scale));
                Ciphertext hSquared = eval.rescale(eval.square(h));
                Ciphertext hAligned = eval.rescale(eval.multiplyConstant(h, 1.0, h.scale()));
                return eval.addConstant(eval.add(hSquared, hAligned), 0.2);
            });
            double[] dProd = timed("decrypt+decode x*y", () -> encoder.decode(decryptor.decrypt(prodR)));
            double[] dRot = encoder.decode(decryptor.decrypt(rot));
            double[] dPoly = encoder.decode(decryptor.decrypt(poly));
            double eProd = 0;
            double eRot = 0;
            double ePoly = 0;
            for (int i = 0; i < slots; i++) {
                int j = (i + 1) % slots;
                eProd = Math.max(eProd, Math.abs(dProd[i] - x[i] * y[i]));
                eRot = Math.max(eRot, Math.abs(dRot[i] - x[j] * y[j]));
                ePoly = Math.max(ePoly, Math.abs(dPoly[i] - (0.25 * x[i] * x[i] + 0.5 * x[i] + 0.2)));
            }
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("parameters", params.toString());
                m.put("backend", ctx.engine().backendName());
                m.put("slots", slots);
                Map<String, Object> steps = new LinkedHashMap<>();
                rows.forEach(r -> steps.put(r.step(), r.millis()));
                m.put("milliseconds", steps);
                m.put("maxErrorProduct", eProd);
                m.put("maxErrorRotation", eRot);
                m.put("maxErrorPolynomial", ePoly);
                System.out.println(Json.write(m));
            } else {
                System.out.println("parameters: " + params);
                System.out.println("backend:    " + ctx.engine().backendName());
                System.out.println();
                System.out.printf("%-34s %s%n", "step", "time");
                for (Step r : rows) {
                    System.out.printf(Locale.ROOT, "%-34s %.2f ms%n", r.step(), r.millis());
                }
                System.out.println();
                System.out.printf(Locale.ROOT, "%d slots; precision against double arithmetic (max error, bits):%n",
                        slots);
                System.out.printf(Locale.ROOT, "  x*y                  %.3e  (%.1f bits, level %d)%n", eProd,
                        bits(eProd), prodR.level());
                System.out.printf(Locale.ROOT, "  rotate(x*y, 1)       %.3e  (%.1f bits)%n", eRot, bits(eRot));
                System.out.printf(Locale.ROOT, "  0.25x^2 + 0.5x + 0.2 %.3e  (%.1f bits, level %d)%n", ePoly,
                        bits(ePoly), poly.level());
            }
            return eProd < 1e-3 && eRot < 1e-3 && ePoly < 1e-3 ? 0 : 1;
        }
    }

    private static double bits(double err) {
        return -Math.log(err) / Math.log(2);
    }
}
