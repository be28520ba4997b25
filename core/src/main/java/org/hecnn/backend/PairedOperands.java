package org.hecnn.backend;

/** Argument checks shared by engine operations that map an array of inputs to an array of outputs one to one. */
public final class PairedOperands {
    private PairedOperands() {
    }

    /** Fails unless {@code in} and {@code out} are non-empty and equally long. */
    public static void require(DevicePoly[] in, DevicePoly[] out) {
        if (in.length != out.length || in.length == 0) {
            throw new IllegalArgumentException("expected as many outputs as inputs (at least one): " + in.length
                    + " inputs, " + out.length + " outputs");
        }
    }
}
