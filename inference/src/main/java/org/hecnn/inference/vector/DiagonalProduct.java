package org.hecnn.inference.vector;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.Plaintext;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.chain.AffineMap;

/**
 * y = W·x for x held with period P_in in the slots (x[s] = x[s mod P_in]) by the hybrid diagonal method: with
 * D = P_out ≤ P_in diagonals diag_k[p] = W[p mod P_out][(p + k) mod P_in], z = Σ_k diag_k ⊙ rot(x, k) and then
 * y[j] = Σ_c z[j + c·P_out] by log2(P_in / P_out) rotate-and-adds, which leaves y with period P_out. The sum over
 * k runs as baby steps b (hoisted rotations of x, one decomposition) inside giant steps g (k = g·B + b) with the
 * diagonals pre-rotated by −g·B; all-zero diagonals (pruned weights) are skipped.
 */
final class DiagonalProduct {
    private final int inPeriod;
    private final int outPeriod;
    private final int baby;
    private final int giant;
    /** [giant][baby] plaintexts, null where the diagonal is zero. */
    private final Plaintext[][] diagonals;

    DiagonalProduct(AffineMap map, int inPeriod, int outPeriod, int slots, CkksEncoder encoder, int level,
                    double plaintextScale) {
        if (outPeriod > inPeriod || slots % inPeriod != 0) {
            throw new IllegalArgumentException("periods " + inPeriod + " -> " + outPeriod + " in " + slots + " slots");
        }
        this.inPeriod = inPeriod;
        this.outPeriod = outPeriod;
        int b = 1;
        while (b * b < outPeriod) {
            b *= 2;
        }
        this.baby = b;
        this.giant = outPeriod / b;
        double[][] diag = new double[outPeriod][];
        for (int j = 0; j < map.outputs(); j++) {
            for (int t = map.rowStart(j); t < map.rowEnd(j); t++) {
                int r = Math.floorMod(map.column(t) - j, inPeriod);
                int k = r % outPeriod;
                int p = j + (r / outPeriod) * outPeriod;
                if (diag[k] == null) {
                    diag[k] = new double[inPeriod];
                }
                diag[k][p] = map.weight(t);
            }
        }
        diagonals = new Plaintext[giant][baby];
        for (int g = 0; g < giant; g++) {
            for (int bb = 0; bb < baby; bb++) {
                double[] d = diag[g * baby + bb];
                if (d == null) {
                    continue;
                }
                double[] v = new double[slots];
                for (int s = 0; s < slots; s++) {
                    v[s] = d[Math.floorMod(s - g * baby, inPeriod)];
                }
                diagonals[g][bb] = encoder.encode(v, level, plaintextScale);
            }
        }
    }

    /** Rotation steps this product uses: baby steps, giant steps and the chunk sums. */
    List<Integer> rotationSteps() {
        TreeSet<Integer> steps = new TreeSet<>();
        for (int bb = 1; bb < baby; bb++) {
            steps.add(bb);
        }
        for (int g = 1; g < giant; g++) {
            steps.add(g * baby);
        }
        steps.addAll(chunkSteps());
        return new ArrayList<>(steps);
    }

    /** The rotate-and-add steps that fold the P_in / P_out chunks: P_in/2, ..., P_out. */
    List<Integer> chunkSteps() {
        List<Integer> steps = new ArrayList<>();
        for (int s = inPeriod / 2; s >= outPeriod; s /= 2) {
            steps.add(s);
        }
        return steps;
    }

    /** Σ_k diag_k ⊙ rot(x, k), before rescaling (the chunk sums come after, see {@link #foldChunks}). */
    Ciphertext multiply(HeOps ops, Ciphertext x) {
        int[] steps = new int[baby];
        for (int bb = 0; bb < baby; bb++) {
            steps[bb] = bb;
        }
        Ciphertext[] rotated = ops.rotateHoisted(x, steps);
        Ciphertext total = null;
        try {
            for (int g = 0; g < giant; g++) {
                Ciphertext inner = null;
                for (int bb = 0; bb < baby; bb++) {
                    Plaintext p = diagonals[g][bb];
                    if (p == null) {
                        continue;
                    }
                    if (inner == null) {
                        inner = ops.multiplyPlain(rotated[bb], p);
                    } else {
                        ops.multiplyPlainAccumulate(inner, rotated[bb], p);
                    }
                }
                if (inner == null) {
                    continue;
                }
                if (g > 0) {
                    Ciphertext r = ops.rotate(inner, g * baby);
                    inner.close();
                    inner = r;
                }
                if (total == null) {
                    total = inner;
                } else {
                    ops.addInPlace(total, inner);
                    inner.close();
                }
            }
        } finally {
            for (Ciphertext c : rotated) {
                c.close();
            }
        }
        if (total == null) {
            throw new IllegalStateException("an all-zero weight matrix (VectorNetwork rejects those)");
        }
        return total;
    }

    /** z[s] + z[s + P_out] + ... : leaves the product with period P_out. Consumes z. */
    Ciphertext foldChunks(HeOps ops, Ciphertext z) {
        return VectorNetwork.foldBlocks(ops, z, chunkSteps());
    }

    /** The operations {@link #multiply} and {@link #foldChunks} perform, as {@link HeOps} counts them. */
    OpCounts counts() {
        long plain = 0;
        long add = 0;
        long rot = 0;
        boolean first = true;
        for (int g = 0; g < giant; g++) {
            int n = 0;
            for (Plaintext p : diagonals[g]) {
                n += p == null ? 0 : 1;
            }
            if (n == 0) {
                continue;
            }
            plain += n;
            add += n - 1 + (first ? 0 : 1);
            rot += g > 0 ? 1 : 0;
            first = false;
        }
        int chunks = chunkSteps().size();
        rot += chunks;
        add += chunks;
        long hoisted = baby - 1;
        return new OpCounts(0, 0, plain, 0, 0, add, rot, hoisted, rot + (hoisted > 0 ? 1 : 0), 0);
    }

    /** Bytes its diagonal plaintexts hold (NTT form, each at its level). */
    long plaintextBytes(int n) {
        long total = 0;
        for (Plaintext[] row : diagonals) {
            for (Plaintext p : row) {
                total += p == null ? 0 : (p.level() + 1L) * n * Long.BYTES;
            }
        }
        return total;
    }

}
