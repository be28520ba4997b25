package org.hecnn.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.hecnn.backend.Backends;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.Decryptor;
import org.hecnn.ckks.Encryptor;
import org.hecnn.ckks.Evaluator;
import org.hecnn.ckks.Plaintext;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.EvaluationKeys;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SecretKey;

/**
 * Measures, on the parameter shape the planner picks for ResNet-20 (N = 2^16, a 61-bit output prime and 19 primes
 * of 60 bits, 8 special primes, 3 digits), the error each CKKS step adds, in value units: encoding a weight vector
 * at scale W, secret-key and public-key encryption at scale s, a plaintext product, rotations, and a squaring with
 * its rescale. Tells which source bounds an encrypted network's precision at given targets.
 *
 * <pre>java -cp bench/target/hecnn-bench.jar --add-modules jdk.incubator.vector org.hecnn.bench.NoiseSources 26 17</pre>
 */
public final class NoiseSources {
    private NoiseSources() {
    }

    public static void main(String[] args) {
        int scaleBits = args.length > 0 ? Integer.parseInt(args[0]) : 26;
        int weightBits = args.length > 1 ? Integer.parseInt(args[1]) : 17;
        int[] data = new int[20];
        Arrays.fill(data, 60);
        data[0] = 61;
        int[] special = new int[8];
        Arrays.fill(special, 60);
        CkksParameters p = CkksParameters.builder().logN(16).dataPrimeBits(data).specialPrimeBits(special).dnum(3)
                .scaleBits(scaleBits).build();
        System.out.println("parameters: " + p + ", values x in [-0.5, 0.5), weights w in [-0.1, 0.1)");
        try (CkksContext ctx = CkksContext.create(p, Backends.select("cpu"))) {
            int n = p.slots();
            Random r = new Random(1);
            double[] x = new double[n];
            double[] w = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = r.nextDouble() - 0.5;
                w[i] = 0.2 * (r.nextDouble() - 0.5);
            }
            CkksEncoder enc = new CkksEncoder(ctx);
            KeyGenerator kg = KeyGenerator.secure(ctx.engine());
            SecretKey sk = kg.secretKey();
            EvaluationKeys evk = kg.evaluationKeys(sk, Galois.rotationElement(1, p.logN()));
            Decryptor dec = new Decryptor(ctx, sk);
            Evaluator ev = new Evaluator(ctx, evk);
            int top = p.maxLevel();
            double s = Math.scalb(1.0, scaleBits);
            double wScale = Math.scalb(1.0, weightBits);
            System.out.printf(Locale.ROOT, "%-44s %12s %12s%n", "step (error against the exact values)", "std", "max");
            Plaintext px = enc.encode(x, top, s);
            report("encode x at scale 2^" + scaleBits, enc.decode(px), x);
            Plaintext pw = enc.encode(w, top, wScale);
            report("encode w at scale 2^" + weightBits, enc.decode(pw), w);
            Ciphertext pk = Encryptor.withPublicKey(ctx, kg.publicKey(sk)).encrypt(px);
            report("public-key encryption of x", enc.decode(dec.decrypt(pk)), x);
            Ciphertext cx = Encryptor.withSecretKey(ctx, sk).encrypt(px);
            report("secret-key encryption of x (the client's)", enc.decode(dec.decrypt(cx)), x);
            double[] xw = new double[n];
            for (int i = 0; i < n; i++) {
                xw[i] = x[i] * w[i];
            }
            Ciphertext prod = ev.multiplyPlain(cx, pw);
            report("x * w (plaintext product)", enc.decode(dec.decrypt(prod)), xw);
            report("rotate x by 1", enc.decode(dec.decrypt(ev.rotate(cx, 1))), rotated(x, 1));
            report("rotate x by 1 twice", enc.decode(dec.decrypt(ev.rotate(ev.rotate(cx, 1), 1))), rotated(x, 2));
            Ciphertext sq = ev.rescale(ev.square(prod));
            double[] sqv = new double[n];
            for (int i = 0; i < n; i++) {
                sqv[i] = xw[i] * xw[i];
            }
            report("(x * w)^2 rescaled to scale 2^" + Math.round(Math.log(sq.scale()) / Math.log(2)),
                    enc.decode(dec.decrypt(sq)), sqv);
            report("that rotated by 1", enc.decode(dec.decrypt(ev.rotate(sq, 1))), rotated(sqv, 1));
        }
    }

    private static double[] rotated(double[] v, int k) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[(i + k) % v.length];
        }
        return out;
    }

    private static void report(String step, double[] got, double[] want) {
        double sum = 0;
        double max = 0;
        for (int i = 0; i < want.length; i++) {
            double d = got[i] - want[i];
            sum += d * d;
            max = Math.max(max, Math.abs(d));
        }
        System.out.printf(Locale.ROOT, "%-44s %12.3e %12.3e%n", step, Math.sqrt(sum / want.length), max);
    }
}
