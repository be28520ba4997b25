package org.hecnn.inference;

/**
 * Homomorphic operation counts (HOPs) of a layer or a whole network: ciphertext products, relinearisations,
 * generic plaintext and constant multiplications, power-of-two multiplications (exact small-integer shifts or
 * scale-only changes: no generic multiply, no level), additions, rotations (plain and hoisted), decompositions
 * and rescales. The same record is produced statically by
 * the planner and dynamically by {@link HeOps} while evaluating, so the cost model and the run agree.
 */
public record OpCounts(long ctCtMultiplications, long relinearizations, long plainMultiplications,
                       long constantMultiplications, long powerOfTwoMultiplications, long additions, long rotations, long hoistedRotations,
                       long decompositions, long rescales) {
    public static final OpCounts ZERO = new OpCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public OpCounts plus(OpCounts o) {
        return new OpCounts(ctCtMultiplications + o.ctCtMultiplications, relinearizations + o.relinearizations,
                plainMultiplications + o.plainMultiplications, constantMultiplications + o.constantMultiplications,
                powerOfTwoMultiplications + o.powerOfTwoMultiplications, additions + o.additions, rotations + o.rotations, hoistedRotations + o.hoistedRotations,
                decompositions + o.decompositions, rescales + o.rescales);
    }

    /** These counts repeated k times. */
    public OpCounts times(long k) {
        return new OpCounts(ctCtMultiplications * k, relinearizations * k, plainMultiplications * k,
                constantMultiplications * k, powerOfTwoMultiplications * k, additions * k, rotations * k, hoistedRotations * k, decompositions * k,
                rescales * k);
    }

    /** Key switches: relinearisations plus rotations (hoisted or not). */
    public long keySwitches() {
        return relinearizations + rotations + hoistedRotations;
    }

    /** A mutable tally used while building or running a layer. */
    public static final class Tally {
        public long ctCt;
        public long relin;
        public long plain;
        public long constant;
        public long powerOfTwo;
        public long add;
        public long rot;
        public long hoisted;
        public long decompositions;
        public long rescale;

        public OpCounts snapshot() {
            return new OpCounts(ctCt, relin, plain, constant, powerOfTwo, add, rot, hoisted, decompositions, rescale);
        }
    }
}
