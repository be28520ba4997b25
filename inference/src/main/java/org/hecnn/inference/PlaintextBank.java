package org.hecnn.inference;

import java.util.ArrayList;
import java.util.List;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.Plaintext;

/**
 * The plaintexts of one layer, encoded once per model (not per image). In {@link Mode#NTT} every plaintext is
 * kept ready in NTT form at the layer's level (fast, L limbs each); in {@link Mode#COEFFICIENTS} only the integer
 * coefficients are kept (32 bits each when they fit) and each use re-enters the NTT domain (L transforms) — the
 * compiler picks by the memory budget.
 */
public final class PlaintextBank implements AutoCloseable {
    /** Where the encoded plaintexts live between uses; PLAN_ONLY counts them without encoding (for plans). */
    public enum Mode { NTT, COEFFICIENTS, PLAN_ONLY }

    private final CkksEncoder encoder;
    private final int level;
    private final double scale;
    private final Mode mode;
    /** Integer coefficients, as int[] when they fit 32 bits (the usual case) and as long[] otherwise. */
    private final List<Object> coefficients = new ArrayList<>();
    private final List<Plaintext> ready = new ArrayList<>();
    private int planned;
    /** While a reuse scope is open (several images through one layer), converted plaintexts by index. */
    private java.util.Map<Integer, Plaintext> reused;

    public PlaintextBank(CkksEncoder encoder, int level, double scale, Mode mode) {
        this.encoder = encoder;
        this.level = level;
        this.scale = scale;
        this.mode = mode;
    }

    /** Encodes a slot vector and returns its index. */
    public int add(double[] slots) {
        if (mode == Mode.PLAN_ONLY) {
            return planned++;
        }
        double[] coeffs = encoder.coefficients(slots, new double[0], scale);
        if (mode == Mode.NTT) {
            ready.add(encoder.encodeCoefficients(coeffs, level, scale));
        } else {
            coefficients.add(compact(coeffs));
        }
        return size() - 1;
    }

    private static Object compact(double[] c) {
        boolean fits = true;
        for (double v : c) {
            fits &= Math.abs(v) < Integer.MAX_VALUE;
        }
        if (fits) {
            int[] a = new int[c.length];
            for (int i = 0; i < c.length; i++) {
                a[i] = (int) c[i];
            }
            return a;
        }
        long[] a = new long[c.length];
        for (int i = 0; i < c.length; i++) {
            a[i] = (long) c[i];
        }
        return a;
    }

    private static double[] expand(Object stored) {
        if (stored instanceof int[] a) {
            double[] d = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                d[i] = a[i];
            }
            return d;
        }
        long[] a = (long[]) stored;
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    public int size() {
        return switch (mode) {
            case NTT -> ready.size();
            case COEFFICIENTS -> coefficients.size();
            case PLAN_ONLY -> planned;
        };
    }

    /** Bytes held between uses for a ring of degree n. */
    public long bytes(int n) {
        return switch (mode) {
            case NTT -> (long) ready.size() * (level + 1) * n * 8;
            case COEFFICIENTS -> coefficients.stream().mapToLong(c -> c instanceof int[] ? 4L * n : 8L * n).sum();
            case PLAN_ONLY -> 0;
        };
    }

    /** Bytes the plaintexts would hold in NTT form at this level. */
    public long nttBytes(int n) {
        return (long) size() * (level + 1) * n * 8;
    }

    public double scale() {
        return scale;
    }

    public int level() {
        return level;
    }

    /**
     * Opens (true) or closes (false) a reuse scope: in COEFFICIENTS mode, plaintexts converted to NTT form inside
     * it are kept until it closes, so several images evaluated through the layer convert each plaintext once.
     */
    public void reuse(boolean on) {
        if (on && mode == Mode.COEFFICIENTS && reused == null) {
            reused = new java.util.HashMap<>();
        } else if (!on && reused != null) {
            reused.values().forEach(Plaintext::close);
            reused = null;
        }
    }

    /** Runs {@code use} with plaintext i, encoding it on the fly in COEFFICIENTS mode. */
    public void with(int i, java.util.function.Consumer<Plaintext> use) {
        if (mode == Mode.PLAN_ONLY) {
            throw new IllegalStateException("this network was compiled for planning only and cannot evaluate");
        }
        if (mode == Mode.NTT) {
            use.accept(ready.get(i));
        } else if (reused != null) {
            use.accept(reused.computeIfAbsent(i, k -> encoder.encodeCoefficients(expand(coefficients.get(k)), level,
                    scale)));
        } else {
            try (Plaintext p = encoder.encodeCoefficients(expand(coefficients.get(i)), level, scale)) {
                use.accept(p);
            }
        }
    }

    @Override
    public void close() {
        reuse(false);
        ready.forEach(Plaintext::close);
        ready.clear();
        coefficients.clear();
    }
}
