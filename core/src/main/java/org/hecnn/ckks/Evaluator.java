package org.hecnn.ckks;

import java.math.BigDecimal;
import java.math.BigInteger;
import org.hecnn.backend.DeviceDecomposition;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.backend.PolyEngine;
import org.hecnn.backend.SparseIntegerMatrix;
import org.hecnn.ring.Galois;
import org.hecnn.ring.RnsRing;
import org.hecnn.rlwe.EvaluationKeys;

/**
 * Homomorphic operations on CKKS ciphertexts. It holds only evaluation keys, never a secret key. Every operation
 * checks that its operands come from this context and agree in level and scale, and otherwise throws a typed
 * exception that names the operands and the fix. Results are new ciphertexts unless the method says in place.
 */
public final class Evaluator {
    /** Relative difference up to which two scales count as equal when ciphertexts are added. */
    public static final double SCALE_TOLERANCE = 0x1p-32;

    private final CkksContext context;
    private final PolyEngine engine;
    private final RnsRing ring;
    private final DeviceKeys keys;

    /** An evaluator without keys: everything but multiplication with relinearisation and rotations. */
    public Evaluator(CkksContext context) {
        this(context, new DeviceKeys(context));
    }

    /** An evaluator that uploads the given keys (null: none) to the context's engine. */
    public Evaluator(CkksContext context, EvaluationKeys keys) {
        this(context, DeviceKeys.of(context, keys));
    }

    /** An evaluator over keys already on the engine (loaded one by one, e.g. from a stream). */
    public Evaluator(CkksContext context, DeviceKeys keys) {
        context.checkOwner(keys.context(), "the evaluation keys");
        this.context = context;
        this.engine = context.engine();
        this.ring = context.ring();
        this.keys = keys;
    }

    public CkksContext context() {
        return context;
    }

    // ---- checks ---------------------------------------------------------------------------------------------

    private void own(Ciphertext ct, String what) {
        context.checkOwner(ct.context(), what);
    }

    private void own(Plaintext pt, String what) {
        context.checkOwner(pt.context(), what);
    }

    private static void sameLevel(String op, int left, int right) {
        if (left != right) {
            throw new LevelMismatchException(op + ": left operand is at level " + left + ", right operand at level "
                    + right + "; bring them together with alignLevels(...) or dropToLevel(...) first");
        }
    }

    private static void sameScale(String op, double left, double right) {
        if (Math.abs(left / right - 1) > SCALE_TOLERANCE) {
            throw new ScaleMismatchException(String.format("%s: left operand has scale 2^%.4f, right operand "
                    + "2^%.4f; rescale or multiply by a constant so the scales match before adding",
                    op, log2(left), log2(right)));
        }
    }

    private static void linear(String op, Ciphertext ct) {
        if (ct.size() != 2) {
            throw new InvalidOperandException(op + ": the ciphertext has " + ct.size()
                    + " parts; relinearize(...) it first");
        }
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    // ---- addition -------------------------------------------------------------------------------------------

    public Ciphertext add(Ciphertext a, Ciphertext b) {
        return combine("add", a, b, false);
    }

    public Ciphertext subtract(Ciphertext a, Ciphertext b) {
        return combine("subtract", a, b, true);
    }

    private Ciphertext combine(String op, Ciphertext a, Ciphertext b, boolean subtract) {
        own(a, op + " left operand");
        own(b, op + " right operand");
        sameLevel(op, a.level(), b.level());
        sameScale(op, a.scale(), b.scale());
        int size = Math.max(a.size(), b.size());
        DevicePoly[] out = new DevicePoly[size];
        for (int i = 0; i < size; i++) {
            if (i < a.size() && i < b.size()) {
                out[i] = engine.allocate(a.level() + 1, false);
                if (subtract) {
                    engine.subtract(a.part(i), b.part(i), out[i]);
                } else {
                    engine.add(a.part(i), b.part(i), out[i]);
                }
            } else if (i < a.size()) {
                out[i] = engine.copy(a.part(i));
            } else {
                out[i] = engine.copy(b.part(i));
                if (subtract) {
                    engine.negate(out[i], out[i]);
                }
            }
        }
        return new Ciphertext(context, out, a.scale());
    }

    /** a += b in place (same level and scale). */
    public void addInPlace(Ciphertext a, Ciphertext b) {
        own(a, "addInPlace left operand");
        own(b, "addInPlace right operand");
        sameLevel("addInPlace", a.level(), b.level());
        sameScale("addInPlace", a.scale(), b.scale());
        if (a.size() < b.size()) {
            throw new InvalidOperandException("addInPlace: the accumulator has fewer parts than the addend");
        }
        a.dropSeed();
        for (int i = 0; i < b.size(); i++) {
            engine.add(a.part(i), b.part(i), a.part(i));
        }
    }

    public Ciphertext negate(Ciphertext a) {
        own(a, "negate operand");
        DevicePoly[] out = new DevicePoly[a.size()];
        for (int i = 0; i < a.size(); i++) {
            out[i] = engine.allocate(a.level() + 1, false);
            engine.negate(a.part(i), out[i]);
        }
        return new Ciphertext(context, out, a.scale());
    }

    public Ciphertext addPlain(Ciphertext a, Plaintext p) {
        return combinePlain("addPlain", a, p, false);
    }

    public Ciphertext subtractPlain(Ciphertext a, Plaintext p) {
        return combinePlain("subtractPlain", a, p, true);
    }

    private Ciphertext combinePlain(String op, Ciphertext a, Plaintext p, boolean subtract) {
        own(a, op + " ciphertext");
        own(p, op + " plaintext");
        sameLevel(op, a.level(), p.level());
        sameScale(op, a.scale(), p.scale());
        DevicePoly[] out = copyParts(a);
        if (subtract) {
            engine.subtract(out[0], p.poly(), out[0]);
        } else {
            engine.add(out[0], p.poly(), out[0]);
        }
        return new Ciphertext(context, out, a.scale());
    }

    /** Adds the real constant c to every slot. */
    public Ciphertext addConstant(Ciphertext a, double c) {
        own(a, "addConstant ciphertext");
        DevicePoly[] out = copyParts(a);
        engine.addConstant(out[0], residues(c * a.scale(), a.level() + 1), out[0]);
        return new Ciphertext(context, out, a.scale());
    }

    /** Adds the real constant c to every slot of a, in place. */
    public void addConstantInPlace(Ciphertext a, double c) {
        own(a, "addConstantInPlace ciphertext");
        a.dropSeed();
        engine.addConstant(a.part(0), residues(c * a.scale(), a.level() + 1), a.part(0));
    }

    private DevicePoly[] copyParts(Ciphertext a) {
        DevicePoly[] out = new DevicePoly[a.size()];
        for (int i = 0; i < a.size(); i++) {
            out[i] = engine.copy(a.part(i));
        }
        return out;
    }

    /** Residues of round(value) modulo q_0..q_{qLimbs-1}. */
    private long[] residues(double value, int qLimbs) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("constant times scale is not finite: " + value);
        }
        double rounded = Math.rint(value);
        long[] r = new long[qLimbs];
        if (Math.abs(rounded) < 0x1p62) {
            for (int i = 0; i < qLimbs; i++) {
                r[i] = ring.q(i).reduceSigned((long) rounded);
            }
        } else {
            BigInteger big = new BigDecimal(rounded).toBigInteger();
            for (int i = 0; i < qLimbs; i++) {
                r[i] = big.mod(BigInteger.valueOf(ring.q(i).value())).longValue();
            }
        }
        return r;
    }

    // ---- multiplication -------------------------------------------------------------------------------------

    /** Product without relinearisation: a 3-part ciphertext at scale a.scale·b.scale. */
    public Ciphertext multiplyNoRelinearize(Ciphertext a, Ciphertext b) {
        own(a, "multiply left operand");
        own(b, "multiply right operand");
        linear("multiply", a);
        linear("multiply", b);
        sameLevel("multiply", a.level(), b.level());
        int ql = a.level() + 1;
        DevicePoly d0 = engine.allocate(ql, false);
        DevicePoly d1 = engine.allocate(ql, false);
        DevicePoly d2 = engine.allocate(ql, false);
        engine.tensor(a.part(0), a.part(1), b.part(0), b.part(1), d0, d1, d2);
        return new Ciphertext(context, new DevicePoly[] {d0, d1, d2}, a.scale() * b.scale());
    }

    /** Product with relinearisation (needs the relinearisation key); rescale afterwards. */
    public Ciphertext multiply(Ciphertext a, Ciphertext b) {
        try (Ciphertext t = multiplyNoRelinearize(a, b)) {
            return relinearize(t);
        }
    }

    public Ciphertext square(Ciphertext a) {
        return multiply(a, a);
    }

    /** Turns a 3-part ciphertext back into 2 parts with the relinearisation key. */
    public Ciphertext relinearize(Ciphertext a) {
        own(a, "relinearize operand");
        if (a.size() == 2) {
            return new Ciphertext(context, copyParts(a), a.scale());
        }
        DeviceKeys.Entry relin = relinearizationKey();
        keyCovers(relin.dataLimbs(), a.level(), () -> "the relinearisation key");
        DevicePoly[] u = engine.keySwitch(a.part(2), relin.key());
        engine.add(u[0], a.part(0), u[0]);
        engine.add(u[1], a.part(1), u[1]);
        return new Ciphertext(context, u, a.scale());
    }

    public Ciphertext multiplyPlain(Ciphertext a, Plaintext p) {
        own(a, "multiplyPlain ciphertext");
        own(p, "multiplyPlain plaintext");
        sameLevel("multiplyPlain", a.level(), p.level());
        DevicePoly[] out = new DevicePoly[a.size()];
        for (int i = 0; i < a.size(); i++) {
            out[i] = engine.allocate(a.level() + 1, false);
            engine.multiply(a.part(i), p.poly(), out[i]);
        }
        return new Ciphertext(context, out, a.scale() * p.scale());
    }

    /**
     * acc += a·p in place, one reduction per coefficient: the accumulator must be at a's level with scale
     * a.scale·p.scale (start it with {@link #multiplyPlain}).
     */
    public void multiplyPlainAccumulate(Ciphertext acc, Ciphertext a, Plaintext p) {
        own(acc, "multiplyPlainAccumulate accumulator");
        own(a, "multiplyPlainAccumulate ciphertext");
        own(p, "multiplyPlainAccumulate plaintext");
        sameLevel("multiplyPlainAccumulate", a.level(), p.level());
        sameLevel("multiplyPlainAccumulate", acc.level(), a.level());
        sameScale("multiplyPlainAccumulate", acc.scale(), a.scale() * p.scale());
        if (acc.size() < a.size()) {
            throw new InvalidOperandException("multiplyPlainAccumulate: the accumulator has fewer parts than a");
        }
        acc.dropSeed();
        for (int i = 0; i < a.size(); i++) {
            engine.multiplyAdd(a.part(i), p.poly(), acc.part(i));
        }
    }

    /** a·p for a plaintext kept as integers (the engine transforms it per limb as it multiplies). */
    public Ciphertext multiplyPlain(Ciphertext a, IntegerPlaintext p) {
        return multiplyPlain(new Ciphertext[] {a}, p)[0];
    }

    /**
     * a[m]·p for every m, transforming p once for all of them (several images through one layer): the ciphertexts
     * must share p's level.
     */
    public Ciphertext[] multiplyPlain(Ciphertext[] a, IntegerPlaintext p) {
        return plainSum("multiplyPlain", new Ciphertext[][] {a}, new IntegerPlaintext[] {p});
    }

    /** acc += a·p for a plaintext kept as integers; the accumulator as in the NTT-form variant. */
    public void multiplyPlainAccumulate(Ciphertext acc, Ciphertext a, IntegerPlaintext p) {
        multiplyPlainAccumulate(new Ciphertext[] {acc}, new Ciphertext[] {a}, p);
    }

    /** acc[m] += a[m]·p for every m, transforming p once for all of them. */
    public void multiplyPlainAccumulate(Ciphertext[] acc, Ciphertext[] a, IntegerPlaintext p) {
        if (acc.length != a.length) {
            throw new InvalidOperandException("multiplyPlainAccumulate: " + acc.length + " accumulators for "
                    + a.length + " ciphertexts");
        }
        int parts = 0;
        for (int m = 0; m < a.length; m++) {
            own(acc[m], "multiplyPlainAccumulate accumulator");
            own(a[m], "multiplyPlainAccumulate ciphertext");
            sameLevel("multiplyPlainAccumulate", a[m].level(), p.level());
            sameLevel("multiplyPlainAccumulate", acc[m].level(), a[m].level());
            sameScale("multiplyPlainAccumulate", acc[m].scale(), a[m].scale() * p.scale());
            if (acc[m].size() < a[m].size()) {
                throw new InvalidOperandException("multiplyPlainAccumulate: the accumulator has fewer parts than a");
            }
            parts += a[m].size();
        }
        DevicePoly[] in = new DevicePoly[parts];
        DevicePoly[] out = new DevicePoly[parts];
        int k = 0;
        for (int m = 0; m < a.length; m++) {
            acc[m].dropSeed();
            for (int i = 0; i < a[m].size(); i++, k++) {
                in[k] = a[m].part(i);
                out[k] = acc[m].part(i);
            }
        }
        engine.multiplyByIntegers(p.coefficients(), in, out, true);
    }

    /**
     * Σ_j a[j][m]·p[j] for every m (several images), each plaintext transformed once: the same result as one
     * {@link #multiplyPlain(Ciphertext[], IntegerPlaintext)} followed by
     * {@link #multiplyPlainAccumulate(Ciphertext[], Ciphertext[], IntegerPlaintext)} per further term, in one
     * engine call. Every term's ciphertexts share its plaintext's level, and every product has the same scale.
     */
    public Ciphertext[] multiplyPlainSum(Ciphertext[][] a, IntegerPlaintext[] p) {
        return plainSum("multiplyPlainSum", a, p);
    }

    private Ciphertext[] plainSum(String op, Ciphertext[][] a, IntegerPlaintext[] p) {
        if (a.length != p.length || a.length == 0) {
            throw new InvalidOperandException(op + ": " + p.length + " plaintexts for " + a.length
                    + " terms (at least one of each, as many of one as of the other)");
        }
        int images = a[0].length;
        int[] partsOf = new int[images];
        int parts = 0;
        for (int m = 0; m < images; m++) {
            partsOf[m] = a[0][m].size();
            parts += partsOf[m];
        }
        java.lang.foreign.MemorySegment[] coefficients = new java.lang.foreign.MemorySegment[p.length];
        DevicePoly[][] in = new DevicePoly[a.length][parts];
        for (int j = 0; j < a.length; j++) {
            if (a[j].length != images) {
                throw new InvalidOperandException(op + ": term " + j + " has " + a[j].length
                        + " ciphertexts, term 0 has " + images);
            }
            coefficients[j] = p[j].coefficients();
            int k = 0;
            for (int m = 0; m < images; m++) {
                Ciphertext c = a[j][m];
                own(c, op + " ciphertext");
                sameLevel(op, c.level(), p[j].level());
                sameLevel(op, c.level(), a[0][m].level());
                sameScale(op, c.scale() * p[j].scale(), a[0][m].scale() * p[0].scale());
                if (c.size() != partsOf[m]) {
                    throw new InvalidOperandException(op + ": term " + j + " image " + m + " has "
                            + c.size() + " parts, term 0 has " + partsOf[m]);
                }
                for (int i = 0; i < c.size(); i++, k++) {
                    in[j][k] = c.part(i);
                }
            }
        }
        DevicePoly[] out = new DevicePoly[parts];
        int k = 0;
        for (int m = 0; m < images; m++) {
            for (int i = 0; i < partsOf[m]; i++, k++) {
                out[k] = engine.allocate(a[0][m].level() + 1, false);
            }
        }
        engine.multiplySumByIntegers(coefficients, in, out, false);
        Ciphertext[] result = new Ciphertext[images];
        k = 0;
        for (int m = 0; m < images; m++) {
            result[m] = new Ciphertext(context, java.util.Arrays.copyOfRange(out, k, k + partsOf[m]),
                    a[0][m].scale() * p[0].scale());
            k += partsOf[m];
        }
        return result;
    }

    /** Multiplies by a real constant encoded at the scale of the prime the next rescale removes. */
    public Ciphertext multiplyConstant(Ciphertext a, double c) {
        return multiplyConstant(a, c, (double) ring.q(a.level()).value());
    }

    /** Multiplies by round(c·constantScale); the result's scale is a.scale·constantScale. */
    public Ciphertext multiplyConstant(Ciphertext a, double c, double constantScale) {
        own(a, "multiplyConstant ciphertext");
        long[] r = residues(c * constantScale, a.level() + 1);
        DevicePoly[] out = new DevicePoly[a.size()];
        for (int i = 0; i < a.size(); i++) {
            out[i] = engine.allocate(a.level() + 1, false);
            engine.multiplyConstant(a.part(i), r, out[i]);
        }
        return new Ciphertext(context, out, a.scale() * constantScale);
    }

    /** Exact multiplication by an integer; scale and level are unchanged. */
    public Ciphertext multiplyInteger(Ciphertext a, long k) {
        own(a, "multiplyInteger ciphertext");
        long[] r = SparseIntegerMatrix.residues(engine, k, a.level() + 1);
        DevicePoly[] out = new DevicePoly[a.size()];
        for (int i = 0; i < a.size(); i++) {
            out[i] = engine.allocate(a.level() + 1, false);
            engine.multiplyConstant(a.part(i), r, out[i]);
        }
        return new Ciphertext(context, out, a.scale());
    }

    /**
     * Multiplies ciphertexts of one level, scale and size by the rational matrix m / denominator: output j =
     * Σ (m[j][i] / denominator)·in[i]. The integer part is exact (inputs sharing a multiplier are summed first, and
     * the engine may fuse the whole map into one pass over the inputs); the denominator only raises the recorded
     * scale to in.scale·denominator. No level is used.
     */
    public Ciphertext[] linearMap(Ciphertext[] in, SparseIntegerMatrix m, double denominator) {
        if (!(denominator > 0) || !Double.isFinite(denominator)) {
            throw new IllegalArgumentException("linearMap: the denominator must be positive and finite, not "
                    + denominator);
        }
        if (in.length != m.columns()) {
            throw new InvalidOperandException("linearMap: the matrix takes " + m.columns() + " ciphertexts, got "
                    + in.length);
        }
        int size = in[0].size();
        for (Ciphertext c : in) {
            own(c, "linearMap input");
            sameLevel("linearMap", in[0].level(), c.level());
            sameScale("linearMap", in[0].scale(), c.scale());
            if (c.size() != size) {
                throw new InvalidOperandException("linearMap: inputs mix " + size + "- and " + c.size()
                        + "-part ciphertexts; relinearise them first");
            }
        }
        int limbs = in[0].level() + 1;
        DevicePoly[][] outParts = new DevicePoly[m.rows()][size];
        for (int p = 0; p < size; p++) {
            DevicePoly[] x = new DevicePoly[in.length];
            for (int i = 0; i < in.length; i++) {
                x[i] = in[i].part(p);
            }
            DevicePoly[] y = new DevicePoly[m.rows()];
            for (int j = 0; j < y.length; j++) {
                y[j] = engine.allocate(limbs, false);
                outParts[j][p] = y[j];
            }
            engine.sparseLinearMap(x, m, y);
        }
        Ciphertext[] out = new Ciphertext[m.rows()];
        for (int j = 0; j < out.length; j++) {
            out[j] = new Ciphertext(context, outParts[j], in[0].scale() * denominator);
        }
        return out;
    }

    // ---- levels ---------------------------------------------------------------------------------------------

    /** Divides by the last prime q_level with rounding: one level down, scale / q_level. */
    public Ciphertext rescale(Ciphertext a) {
        own(a, "rescale operand");
        if (a.level() == 0) {
            throw new LevelMismatchException("rescale: the ciphertext is at level 0 and has no prime left to divide"
                    + " by; use parameters with more data primes (a deeper chain)");
        }
        double q = ring.q(a.level()).value();
        DevicePoly[] out = new DevicePoly[a.size()];
        for (int i = 0; i < a.size(); i++) {
            out[i] = engine.rescale(a.part(i));
        }
        return new Ciphertext(context, out, a.scale() / q);
    }

    /** Drops primes (without dividing) down to {@code level}; the scale is unchanged. */
    public Ciphertext dropToLevel(Ciphertext a, int level) {
        own(a, "dropToLevel operand");
        if (level < 0 || level > a.level()) {
            throw new LevelMismatchException("dropToLevel: cannot go from level " + a.level() + " to " + level
                    + "; levels only go down, to 0 at the lowest");
        }
        DevicePoly[] out = new DevicePoly[a.size()];
        for (int i = 0; i < a.size(); i++) {
            out[i] = engine.truncate(a.part(i), level + 1);
        }
        return new Ciphertext(context, out, a.scale());
    }

    /** Returns {a', b'} at the lower of the two levels (the higher one dropped, the other copied). */
    public Ciphertext[] alignLevels(Ciphertext a, Ciphertext b) {
        int level = Math.min(a.level(), b.level());
        return new Ciphertext[] {dropToLevel(a, level), dropToLevel(b, level)};
    }

    // ---- rotations ------------------------------------------------------------------------------------------

    /** Rotates the slots left by {@code steps} (negative: right); needs that rotation's Galois key. */
    public Ciphertext rotate(Ciphertext a, int steps) {
        return rotateHoisted(a, new int[] {steps})[0];
    }

    /** Complex conjugation of every slot; needs the conjugation key. */
    public Ciphertext conjugate(Ciphertext a) {
        return applyGalois(a, new int[] {Galois.conjugationElement(ring.logN())}, "conjugate")[0];
    }

    /**
     * Rotations of one ciphertext by several steps sharing one decomposition of c1 (hoisting): the
     * ModUp runs once, each step pays only its permutation, inner product and ModDown.
     */
    public Ciphertext[] rotateHoisted(Ciphertext a, int[] steps) {
        int[] elements = new int[steps.length];
        for (int i = 0; i < steps.length; i++) {
            elements[i] = Galois.rotationElement(steps[i], ring.logN());
        }
        return applyGalois(a, elements, "rotate");
    }

    private Ciphertext[] applyGalois(Ciphertext a, int[] elements, String op) {
        own(a, op + " operand");
        linear(op, a);
        DeviceSwitchKey[] keysForSteps = new DeviceSwitchKey[elements.length];
        for (int i = 0; i < elements.length; i++) {
            if (elements[i] != 1) {
                int element = elements[i];
                DeviceKeys.Entry entry = galoisKey(element, op);
                keyCovers(entry.dataLimbs(), a.level(),
                        () -> "the Galois key for element " + element + describeElement(element));
                keysForSteps[i] = entry.key();
            }
        }
        Ciphertext[] out = new Ciphertext[elements.length];
        DeviceDecomposition decomposition = null;
        try {
            for (int i = 0; i < elements.length; i++) {
                if (elements[i] == 1) {
                    out[i] = new Ciphertext(context, copyParts(a), a.scale());
                    continue;
                }
                if (decomposition == null) {
                    decomposition = engine.decompose(a.part(1));
                }
                DevicePoly[] u = engine.keySwitch(decomposition, keysForSteps[i], elements[i]);
                try (DevicePoly rotated0 = engine.allocate(a.level() + 1, false)) {
                    engine.automorphism(a.part(0), elements[i], rotated0);
                    engine.add(u[0], rotated0, u[0]);
                }
                out[i] = new Ciphertext(context, u, a.scale());
            }
        } finally {
            if (decomposition != null) {
                decomposition.close();
            }
        }
        return out;
    }

    // ---- keys -----------------------------------------------------------------------------------------------

    private DeviceKeys.Entry relinearizationKey() {
        DeviceKeys.Entry e = keys.relinearization();
        if (e == null) {
            throw new MissingKeyException("multiply/relinearize needs a relinearisation key, and the evaluation "
                    + "keys have none: generate them with KeyGenerator.evaluationKeys(...)");
        }
        return e;
    }

    private DeviceKeys.Entry galoisKey(int element, String op) {
        DeviceKeys.Entry e = keys.galois(element);
        if (e == null) {
            throw new MissingKeyException(op + " needs the Galois key for element " + element
                    + describeElement(element) + ", which the evaluation keys lack; generate keys for the "
                    + "rotations you use (KeyGenerator.evaluationKeys(sk, elements...))");
        }
        return e;
    }

    private String describeElement(int element) {
        if (element == Galois.conjugationElement(ring.logN())) {
            return " (conjugation)";
        }
        long g = 1;
        long m = 2L * ring.n();
        for (int s = 0; s < ring.n() / 2; s++) {
            if (g == element) {
                return " (rotation by " + s + ")";
            }
            g = g * Galois.GENERATOR % m;
        }
        return "";
    }

    /** Throws unless a key covering {@code keyLimbs} data limbs serves a ciphertext at {@code level}. */
    private static void keyCovers(int keyLimbs, int level, java.util.function.Supplier<String> what) {
        if (level + 1 > keyLimbs) {
            throw new MissingKeyException(what.get() + " was generated for levels up to " + (keyLimbs - 1)
                    + " but the ciphertext is at level " + level + "; generate the key for a higher level");
        }
    }
}
