package org.hecnn.inference.vector;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.ckks.Plaintext;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.HeOps;
import org.hecnn.inference.InputEncoding;
import org.hecnn.inference.LayerObserver;
import org.hecnn.inference.OutputDecoding;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.OpCounts;
import org.hecnn.inference.UnsupportedNetworkException;
import org.hecnn.inference.chain.AffineMap;
import org.hecnn.inference.chain.BatchedProgram;

/**
 * The server side of the single-image vector layout: the first layer as element-wise products with the client's
 * arranged inputs and a rotate-and-add over blocks, later layers as {@link DiagonalProduct}s, squarings with
 * relinearisation; one rescale per stage. Plaintexts are encoded once, at the scale of the prime the following
 * rescale removes, so every rescale restores the scale exactly. Thread safety: as {@link EncryptedNetwork} (the
 * plaintexts are encoded once in the constructor and only read afterwards).
 */
public final class VectorNetwork implements EncryptedNetwork {
    private final VectorPlan plan;
    private final CkksContext context;
    private final int slots;
    private final int top;
    private final Plaintext[] firstLayer;
    private final int blocksPerCiphertext;
    private final Map<Integer, DiagonalProduct> products = new HashMap<>();

    public VectorNetwork(VectorPlan plan, CkksContext context) {
        this.plan = plan;
        this.context = context;
        this.slots = context.parameters().slots();
        this.top = context.parameters().maxLevel();
        if (top < plan.levels()) {
            throw new IllegalArgumentException("the plan needs " + (plan.levels() + 1) + " data primes");
        }
        CkksEncoder encoder = new CkksEncoder(context);
        AffineMap first = ((BatchedProgram.Affine) plan.program().stages().get(0)).map();
        int period = plan.period(0);
        blocksPerCiphertext = slots / period;
        int cts = (plan.fieldSize() + blocksPerCiphertext - 1) / blocksPerCiphertext;
        double[][] w = new double[cts][slots];
        for (int j = 0; j < first.outputs(); j++) {
            Map<Integer, Double> weights = new HashMap<>();
            for (int t = first.rowStart(j); t < first.rowEnd(j); t++) {
                weights.put(first.column(t), first.weight(t));
            }
            int[] field = first.field(j);
            for (int k = 0; k < plan.fieldSize(); k++) {
                int column = field == null ? k : field[k];
                Double v = column < 0 ? null : weights.get(column);
                if (v != null) {
                    w[k / blocksPerCiphertext][(k % blocksPerCiphertext) * period + j] = v;
                }
            }
        }
        double firstScale = context.ring().q(top).value();
        firstLayer = new Plaintext[cts];
        for (int c = 0; c < cts; c++) {
            firstLayer[c] = encoder.encode(w[c], top, firstScale);
        }
        for (int i : plan.laterAffineStages()) {
            BatchedProgram.Affine a = (BatchedProgram.Affine) plan.program().stages().get(i);
            AffineMap m = a.map();
            if (m.nonZeros() == 0) {
                throw new UnsupportedNetworkException(a.nodes(), "every weight is zero; the layer's output is its "
                        + "bias alone, so remove the layer and fold the bias into the next one");
            }
            int level = top - i;
            int out = plan.period(i);
            int in = Math.max(plan.period(i - 1), out);
            products.put(i, new DiagonalProduct(m, in, out, slots, encoder, level,
                    context.ring().q(level).value()));
        }
    }

    public VectorPlan plan() {
        return plan;
    }

    @Override
    public CkksContext context() {
        return context;
    }

    @Override
    public String name() {
        return plan.program().name();
    }

    /** Rotate-and-add steps folding the first layer's blocks: slots/2, ..., period. */
    private List<Integer> blockSteps() {
        List<Integer> steps = new ArrayList<>();
        for (int s = slots / 2; s >= plan.period(0); s /= 2) {
            steps.add(s);
        }
        return steps;
    }

    /** Every rotation step the evaluation uses (the client makes one key per step). */
    public int[] rotationSteps() {
        TreeSet<Integer> steps = new TreeSet<>(blockSteps());
        for (DiagonalProduct p : products.values()) {
            steps.addAll(p.rotationSteps());
        }
        return steps.stream().mapToInt(Integer::intValue).toArray();
    }

    /** One stage's node, kind, level after it, period and the operations it performs. */
    public record StagePlan(String nodes, String kind, int level, int period, OpCounts counts) {
    }

    /** Per stage, statically: exactly what {@link #evaluate} counts (a test checks it). */
    public List<StagePlan> stagePlans() {
        List<StagePlan> out = new ArrayList<>();
        List<BatchedProgram.Stage> stages = plan.program().stages();
        for (int i = 0; i < stages.size(); i++) {
            OpCounts c;
            String kind;
            String node;
            if (i == 0) {
                BatchedProgram.Affine a = (BatchedProgram.Affine) stages.get(0);
                int blocks = blockSteps().size();
                c = new OpCounts(0, 0, firstLayer.length, 0, 0, firstLayer.length - 1 + blocks
                        + (hasBias(a.map()) ? 1 : 0), blocks, 0, blocks, 1);
                kind = "affine (im2col)";
                node = a.nodes();
            } else if (stages.get(i) instanceof BatchedProgram.Affine a) {
                c = products.get(i).counts().plus(new OpCounts(0, 0, 0, 0, 0, hasBias(a.map()) ? 1 : 0, 0, 0, 0, 1));
                kind = "affine (diagonals)";
                node = a.nodes();
            } else {
                c = new OpCounts(1, 1, 0, 0, 0, 0, 0, 0, 0, 1);
                kind = "square";
                node = ((BatchedProgram.Square) stages.get(i)).nodes();
            }
            out.add(new StagePlan(node, kind, top - i - 1, plan.period(i), c));
        }
        return out;
    }

    /** Static operation counts of one evaluation. */
    @Override
    public OpCounts plannedCounts() {
        OpCounts total = OpCounts.ZERO;
        for (StagePlan s : stagePlans()) {
            total = total.plus(s.counts());
        }
        return total;
    }

    /** The first layer's plaintexts and every diagonal, in NTT form, each at its level. */
    @Override
    public long plaintextBytes() {
        int n = context.ring().n();
        long total = 0;
        for (Plaintext p : firstLayer) {
            total += (p.level() + 1L) * n * Long.BYTES;
        }
        for (DiagonalProduct d : products.values()) {
            total += d.plaintextBytes(n);
        }
        return total;
    }

    /**
     * The request, the running vector and its next value, and at most one rotated copy per rotation step alive at
     * once (a diagonal product's hoisted baby steps are a subset of them), all counted at the top level.
     */
    @Override
    public long workingSetBytes() {
        ServiceDescription d = description();
        return ((long) firstLayer.length + rotationSteps().length + 2 + TEMPORARY_CIPHERTEXTS)
                * d.ciphertextBytes(d.inputLevel());
    }

    private static boolean hasBias(AffineMap m) {
        for (int j = 0; j < m.outputs(); j++) {
            if (m.bias(j) != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * One image arranged by the first layer's receptive fields, the logits in the first slots; every rotation key at
     * the top level; inputs within the planned range.
     */
    @Override
    public ServiceDescription description() {
        AffineMap first = ((BatchedProgram.Affine) plan.program().stages().get(0)).map();
        int[][] fields = new int[first.outputs()][];
        for (int j = 0; j < fields.length; j++) {
            int[] f = first.field(j);
            if (f == null) {
                f = new int[plan.fieldSize()];
                for (int k = 0; k < f.length; k++) {
                    f[k] = k;
                }
            }
            fields[j] = f;
        }
        int[] steps = rotationSteps();
        int[] levels = new int[steps.length];
        java.util.Arrays.fill(levels, top);
        return new ServiceDescription(context.parameters(), new InputEncoding.ReceptiveFields(plan.program().inputs(),
                fields, plan.period(0), blocksPerCiphertext, firstLayer.length),
                new OutputDecoding.SlotVector(plan.program().outputs()), top, Math.scalb(1.0, plan.scaleBits()),
                plan.inputLo(), plan.inputHi(), steps, levels, 1, Double.POSITIVE_INFINITY);
    }

    @Override
    public Ciphertext[] evaluate(HeOps ops, Ciphertext[] inputs, LayerProgress progress, LayerObserver observer) {
        if (inputs.length != firstLayer.length) {
            throw new IllegalArgumentException("the network takes " + firstLayer.length + " input ciphertexts, not "
                    + inputs.length);
        }
        List<BatchedProgram.Stage> stages = plan.program().stages();
        CkksEncoder encoder = new CkksEncoder(context);
        long t0 = System.nanoTime();
        Ciphertext x = null;
        for (int c = 0; c < inputs.length; c++) {
            if (x == null) {
                x = ops.multiplyPlain(inputs[c], firstLayer[c]);
            } else {
                ops.multiplyPlainAccumulate(x, inputs[c], firstLayer[c]);
            }
        }
        x = rescaleAndClose(ops, x);
        x = foldBlocks(ops, x, blockSteps());
        x = addBias(ops, encoder, x, 0);
        progress.layerDone(1, stages.size(), ((BatchedProgram.Affine) stages.get(0)).nodes(), "affine",
                System.nanoTime() - t0, x.level());
        for (int i = 1; i < stages.size(); i++) {
            t0 = System.nanoTime();
            Ciphertext y;
            String kind;
            String node;
            if (stages.get(i) instanceof BatchedProgram.Affine a) {
                DiagonalProduct p = products.get(i);
                y = rescaleAndClose(ops, p.multiply(ops, x));
                y = p.foldChunks(ops, y);
                y = addBias(ops, encoder, y, i);
                kind = "affine";
                node = a.nodes();
            } else {
                y = rescaleAndClose(ops, ops.square(x));
                kind = "square";
                node = ((BatchedProgram.Square) stages.get(i)).nodes();
            }
            x.close();
            x = y;
            progress.layerDone(i + 1, stages.size(), node, kind, System.nanoTime() - t0, x.level());
        }
        return new Ciphertext[] {x};
    }

    private static Ciphertext rescaleAndClose(HeOps ops, Ciphertext x) {
        Ciphertext r = ops.rescale(x);
        x.close();
        return r;
    }

    /** x + rot(x, s) for each step in turn; consumes x. */
    static Ciphertext foldBlocks(HeOps ops, Ciphertext x, List<Integer> steps) {
        for (int s : steps) {
            try (Ciphertext r = ops.rotate(x, s)) {
                ops.addInPlace(x, r);
            }
        }
        return x;
    }

    private Ciphertext addBias(HeOps ops, CkksEncoder encoder, Ciphertext x, int stage) {
        AffineMap m = ((BatchedProgram.Affine) plan.program().stages().get(stage)).map();
        int period = plan.period(stage);
        if (!hasBias(m)) {
            return x;
        }
        double[] v = new double[slots];
        for (int s = 0; s < slots; s++) {
            int j = s % period;
            if (j < m.outputs()) {
                v[s] = m.bias(j);
            }
        }
        Ciphertext y = ops.addPlain(x, encoder.encode(v, x.level(), x.scale()));
        x.close();
        return y;
    }

    @Override
    public void close() {
        context.close();
    }
}
