package org.hecnn.backend;

import org.hecnn.ring.RnsRing;

/**
 * The operations a compute backend provides over one {@link RnsRing}. Every method works on all limbs of its
 * operands in one call so that a GPU can run it as fused kernels on device-resident data; no callback runs
 * per coefficient. Values are canonical residues in [0, q) at every method boundary, so all engines produce
 * bit-identical results.
 *
 * <p>Unless stated otherwise operands must have the same limb structure and {@code out} may alias an input.
 * Engines are thread-safe for calls on distinct output handles.
 */
public interface PolyEngine extends AutoCloseable {
    RnsRing ring();

    /** Name of the backend that made this engine (for logs and reports). */
    String backendName();

    /** A zero polynomial with {@code qLimbs} data limbs, followed by the special limbs if {@code withSpecial}. */
    DevicePoly allocate(int qLimbs, boolean withSpecial);

    /** Copies host limbs (limbs.length = qLimbs + (withSpecial ? K : 0), each of length N) to the engine. */
    DevicePoly upload(long[][] limbs, int qLimbs, boolean withSpecial);

    /**
     * The polynomial whose coefficients are the given signed 32-bit integers (N of them in the platform's byte
     * order: an {@code int[]}'s segment or memory off the heap, at any alignment), reduced modulo each of the first
     * {@code qLimbs} primes, in coefficient form (no special limbs). Plaintexts kept as small integers enter the
     * engine this way: four bytes a coefficient to move instead of eight per limb.
     */
    default DevicePoly uploadIntegers(java.lang.foreign.MemorySegment coefficients, int qLimbs) {
        int n = ring().n();
        requireIntegers(coefficients, n);
        long[][] limbs = new long[qLimbs][n];
        for (int i = 0; i < qLimbs; i++) {
            org.hecnn.ring.Modulus q = ring().q(i);
            for (int k = 0; k < n; k++) {
                limbs[i][k] = q.reduceSigned(coefficients.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED,
                        k));
            }
        }
        return upload(limbs, qLimbs, false);
    }

    /** Throws unless {@code coefficients} holds exactly n 32-bit integers. */
    static void requireIntegers(java.lang.foreign.MemorySegment coefficients, int n) {
        if (coefficients.byteSize() != (long) Integer.BYTES * n) {
            throw new IllegalArgumentException("expected " + n + " coefficients, got " + coefficients.byteSize() / 4.0);
        }
    }

    /** Copies a polynomial back to the host. */
    long[][] download(DevicePoly poly);

    DevicePoly copy(DevicePoly poly);

    /** A copy that keeps only the first {@code qLimbs} data limbs (and no special limbs). */
    DevicePoly truncate(DevicePoly poly, int qLimbs);

    /** Forward negacyclic NTT of every limb, in place. */
    void forwardNtt(DevicePoly poly);

    /** Inverse NTT of every limb, in place. */
    void inverseNtt(DevicePoly poly);

    void add(DevicePoly a, DevicePoly b, DevicePoly out);

    void subtract(DevicePoly a, DevicePoly b, DevicePoly out);

    void negate(DevicePoly a, DevicePoly out);

    /** Coefficient-wise product (NTT domain: polynomial product). */
    void multiply(DevicePoly a, DevicePoly b, DevicePoly out);

    /** acc += a ∘ b with a single reduction per coefficient. */
    void multiplyAdd(DevicePoly a, DevicePoly b, DevicePoly acc);

    /**
     * out[k] = a[k] ∘ p (or out[k] += a[k] ∘ p when {@code accumulate}) for every k, where p is the NTT form of the
     * polynomial with the given signed integer coefficients over a[k]'s data limbs (all a[k] and out[k] of one
     * shape, no special limbs). Engines may fuse it limb by limb so p never exists whole; the default transforms
     * p in full first.
     */
    default void multiplyByIntegers(java.lang.foreign.MemorySegment coefficients, DevicePoly[] a, DevicePoly[] out,
                                    boolean accumulate) {
        PairedOperands.require(a, out);
        try (DevicePoly p = uploadIntegers(coefficients, a[0].qLimbs())) {
            forwardNtt(p);
            for (int k = 0; k < a.length; k++) {
                if (accumulate) {
                    multiplyAdd(a[k], p, out[k]);
                } else {
                    multiply(a[k], p, out[k]);
                }
            }
        }
    }

    /**
     * A sum of integer-plaintext products: out[k] = Σ_j a[j][k] ∘ p_j (or out[k] += … when {@code accumulate}),
     * p_j the NTT form of {@code coefficients[j]}, every a[j] shaped as for {@link #multiplyByIntegers}. The
     * result is that of one {@link #multiplyByIntegers} per term (the later ones accumulating); engines may run
     * all terms in one pass per limb.
     */
    default void multiplySumByIntegers(java.lang.foreign.MemorySegment[] coefficients, DevicePoly[][] a,
                                       DevicePoly[] out, boolean accumulate) {
        if (coefficients.length != a.length || a.length == 0) {
            throw new IllegalArgumentException(coefficients.length + " plaintexts for " + a.length
                    + " operand groups; a sum needs at least one term and one plaintext per group");
        }
        for (int j = 0; j < a.length; j++) {
            multiplyByIntegers(coefficients[j], a[j], out, accumulate || j > 0);
        }
    }

    /** out = a · c where c[i] is a residue modulo limb i's modulus. */
    void multiplyConstant(DevicePoly a, long[] c, DevicePoly out);

    /** acc += a · c with c given per limb. */
    void multiplyConstantAdd(DevicePoly a, long[] c, DevicePoly acc);

    /** out = a + c in every coefficient (in the NTT domain this adds the constant polynomial c). */
    void addConstant(DevicePoly a, long[] c, DevicePoly out);

    /**
     * out[j] = row j of {@code matrix} applied to {@code in} (polynomials with data limbs only, all of one shape;
     * outputs allocated by the caller and distinct from the inputs). Exact modulo every prime. Engines may fuse
     * it (one pass over each input per block of coefficients); the default composes element-wise operations.
     */
    default void sparseLinearMap(DevicePoly[] in, SparseIntegerMatrix matrix, DevicePoly[] out) {
        matrix.applyComposed(this, in, out);
    }

    /**
     * Tensor product of two degree-1 ciphertext-like pairs in NTT form:
     * d0 = a0 b0, d1 = a0 b1 + a1 b0, d2 = a1 b1. When (a0, a1) and (b0, b1) are the same handles it squares.
     */
    void tensor(DevicePoly a0, DevicePoly a1, DevicePoly b0, DevicePoly b1,
                DevicePoly d0, DevicePoly d1, DevicePoly d2);

    /** NTT-domain Galois automorphism X → X^g; {@code out} must not alias {@code a}. */
    void automorphism(DevicePoly a, int galoisElement, DevicePoly out);

    /**
     * Divides an NTT-form polynomial over Q_l by q_l with rounding to the nearest integer, giving a polynomial
     * over Q_{l-1} in NTT form.
     */
    DevicePoly rescale(DevicePoly a);

    /**
     * Uploads a switching key: b[j], a[j] are digit j's limbs over the full basis QP in NTT form. An engine in
     * host memory may keep the given arrays instead of copying them, so the caller must not change them afterwards.
     */
    DeviceSwitchKey uploadSwitchKey(long[][][] b, long[][][] a);

    /**
     * Uploads a switching key whose uniform half is made on demand by {@code a}. This default makes every limb now
     * ({@link KeyLimbSource#expandAll}) and uploads them; an engine in host memory may instead keep
     * {@link KeyLimbSource#randomAccess} and make each limb when it is used.
     */
    default DeviceSwitchKey uploadSwitchKey(long[][][] b, KeyLimbSource a) {
        return uploadSwitchKey(b, a.expandAll(ring().n()));
    }

    /**
     * Decomposes an NTT-form polynomial over Q_l into digits and extends each to Q_l·P (ModUp), in NTT form.
     */
    DeviceDecomposition decompose(DevicePoly a);

    /**
     * Key switching of a decomposed polynomial: applies the automorphism {@code galoisElement} (1 for none) to
     * the digits, takes the inner product with the key over Q_l·P and divides by P (ModDown). Returns the two
     * output polynomials over Q_l in NTT form, {out0, out1}.
     */
    DevicePoly[] keySwitch(DeviceDecomposition decomposition, DeviceSwitchKey key, int galoisElement);

    /** Decompose and key-switch in one call (no automorphism). */
    default DevicePoly[] keySwitch(DevicePoly a, DeviceSwitchKey key) {
        try (DeviceDecomposition d = decompose(a)) {
            return keySwitch(d, key, 1);
        }
    }

    @Override
    void close();
}
