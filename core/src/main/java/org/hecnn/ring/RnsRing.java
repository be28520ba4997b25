package org.hecnn.ring;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The ring Z_{QP}[X]/(X^N + 1) in RNS form with everything the polynomial engines need: the data moduli
 * Q = q_0..q_L, the special moduli P = p_0..p_{K-1} for hybrid key switching with {@code dnum} digits of
 * {@code alpha} consecutive q's, NTT tables, basis converters and rescaling constants. Knows nothing of any
 * encryption scheme.
 *
 * <p>Limb indexing convention used by every engine: a polynomial "over Q_l" has limbs q_0..q_l at indices
 * 0..l; a polynomial "over Q_l P" additionally has p_0..p_{K-1} at indices l+1..l+K.
 */
public final class RnsRing {
    private final int logN;
    private final List<Modulus> q;
    private final List<Modulus> p;
    private final int dnum;
    private final int alpha;
    private final NttTable[] qTables;
    private final NttTable[] pTables;
    /** [l][i] = q_l^-1 mod q_i for i &lt; l, with Shoup companions (for rescaling by q_l). */
    private final long[][] lastInverse;
    private final long[][] lastInverseShoup;
    /** P^-1 mod q_i and its Shoup companion. */
    private final long[] pInverse;
    private final long[] pInverseShoup;
    private final BasisConverter pToQ;
    private final ConcurrentMap<Long, BasisConverter> digitConverters = new ConcurrentHashMap<>();
    private final ConcurrentMap<Integer, int[]> permutations = new ConcurrentHashMap<>();

    public RnsRing(int logN, List<Long> dataModuli, List<Long> specialModuli, int dnum) {
        if (logN < 1 || logN > 17) {
            throw new IllegalArgumentException("logN must be in [1, 17]: " + logN);
        }
        if (dataModuli.isEmpty()) {
            throw new IllegalArgumentException("at least one data modulus is required");
        }
        if (dnum < 1 || dnum > dataModuli.size()) {
            throw new IllegalArgumentException("dnum must be in [1, " + dataModuli.size() + "]: " + dnum);
        }
        this.logN = logN;
        this.q = dataModuli.stream().map(Modulus::new).toList();
        this.p = specialModuli.stream().map(Modulus::new).toList();
        this.alpha = (dataModuli.size() + dnum - 1) / dnum;
        // With alpha fixed, fewer digits may suffice (e.g. 5 limbs, dnum 4 -> alpha 2 -> 3 digits).
        this.dnum = (dataModuli.size() + alpha - 1) / alpha;
        qTables = q.stream().map(m -> new NttTable(m, logN)).toArray(NttTable[]::new);
        pTables = p.stream().map(m -> new NttTable(m, logN)).toArray(NttTable[]::new);
        int levels = q.size();
        lastInverse = new long[levels][];
        lastInverseShoup = new long[levels][];
        for (int l = 0; l < levels; l++) {
            lastInverse[l] = new long[l];
            lastInverseShoup[l] = new long[l];
            for (int i = 0; i < l; i++) {
                Modulus qi = q.get(i);
                lastInverse[l][i] = qi.inverse(qi.reduce(q.get(l).value()));
                lastInverseShoup[l][i] = qi.shoup(lastInverse[l][i]);
            }
        }
        pInverse = new long[levels];
        pInverseShoup = new long[levels];
        for (int i = 0; i < levels; i++) {
            Modulus qi = q.get(i);
            long prod = 1;
            for (Modulus pj : p) {
                prod = qi.mul(prod, qi.reduce(pj.value()));
            }
            pInverse[i] = p.isEmpty() ? 1 : qi.inverse(prod);
            pInverseShoup[i] = qi.shoup(pInverse[i]);
        }
        pToQ = p.isEmpty() ? null : new BasisConverter(p, q);
    }

    public int logN() {
        return logN;
    }

    public int n() {
        return 1 << logN;
    }

    /** Number of data moduli (L + 1). */
    public int qCount() {
        return q.size();
    }

    /** Number of special moduli K. */
    public int pCount() {
        return p.size();
    }

    /** Number of key-switching digits at the top level (the requested dnum, or fewer if alpha covers Q). */
    public int dnum() {
        return dnum;
    }

    /** Number of consecutive data moduli per key-switching digit. */
    public int alpha() {
        return alpha;
    }

    public Modulus q(int i) {
        return q.get(i);
    }

    public Modulus p(int j) {
        return p.get(j);
    }

    public List<Modulus> dataModuli() {
        return q;
    }

    public List<Modulus> specialModuli() {
        return p;
    }

    /** Modulus of limb {@code index} in a polynomial over Q_{qLimbs-1} (followed by P if index ≥ qLimbs). */
    public Modulus limbModulus(int index, int qLimbs) {
        return index < qLimbs ? q.get(index) : p.get(index - qLimbs);
    }

    public NttTable limbTable(int index, int qLimbs) {
        return index < qLimbs ? qTables[index] : pTables[index - qLimbs];
    }

    public NttTable qTable(int i) {
        return qTables[i];
    }

    public NttTable pTable(int j) {
        return pTables[j];
    }

    /** The basis q_0..q_{qLimbs-1}, optionally followed by P. */
    public RnsBasis basis(int qLimbs, boolean withP) {
        List<Modulus> all = new ArrayList<>(q.subList(0, qLimbs));
        if (withP) {
            all.addAll(p);
        }
        return new RnsBasis(all);
    }

    /** Number of key-switching digits used for a polynomial with {@code qLimbs} data limbs. */
    public int digitCount(int qLimbs) {
        return (qLimbs + alpha - 1) / alpha;
    }

    /** First data limb of digit j. */
    public int digitStart(int j) {
        return j * alpha;
    }

    /** One past the last data limb of digit j, truncated to the {@code qLimbs} present. */
    public int digitEnd(int j, int qLimbs) {
        return Math.min((j + 1) * alpha, qLimbs);
    }

    /**
     * Converter from digit j (truncated to qLimbs data limbs) to every modulus of Q_{qLimbs-1} P, target
     * index t meaning limb t of a polynomial over Q_{qLimbs-1} P. Rows for the digit's own limbs are unused.
     */
    public BasisConverter digitConverter(int j, int qLimbs) {
        long key = ((long) j << 32) | qLimbs;
        return digitConverters.computeIfAbsent(key, k -> {
            List<Modulus> source = q.subList(digitStart(j), digitEnd(j, qLimbs));
            List<Modulus> target = new ArrayList<>(q.subList(0, qLimbs));
            target.addAll(p);
            return new BasisConverter(source, target);
        });
    }

    /** Converter from P to Q (target row i is q_i; usable for any prefix of Q). */
    public BasisConverter specialToData() {
        if (pToQ == null) {
            throw new IllegalStateException("this ring has no special moduli");
        }
        return pToQ;
    }

    public long lastInverse(int level, int i) {
        return lastInverse[level][i];
    }

    public long lastInverseShoup(int level, int i) {
        return lastInverseShoup[level][i];
    }

    public long pInverse(int i) {
        return pInverse[i];
    }

    public long pInverseShoup(int i) {
        return pInverseShoup[i];
    }

    /** Cached NTT-domain permutation for a Galois element. */
    public int[] galoisPermutation(int galoisElement) {
        return permutations.computeIfAbsent(galoisElement, g -> Galois.nttPermutation(g, logN));
    }

    /** All moduli, Q then P, as plain values (for fingerprints and logs). */
    public List<Long> allModulusValues() {
        List<Long> all = new ArrayList<>();
        q.forEach(m -> all.add(m.value()));
        p.forEach(m -> all.add(m.value()));
        return Collections.unmodifiableList(all);
    }
}
