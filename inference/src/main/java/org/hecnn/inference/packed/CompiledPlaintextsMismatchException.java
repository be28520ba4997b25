package org.hecnn.inference.packed;

import org.hecnn.HecnnException;

/**
 * Compiled plaintexts that do not belong to the network being compiled: made from another model, with other options
 * or parameters, or by a version of hecnn that encodes differently. Nothing of them is used; compiling again (without
 * them, or writing them anew with {@code hecnn compile}) is the remedy.
 */
public final class CompiledPlaintextsMismatchException extends HecnnException {
    CompiledPlaintextsMismatchException(String what) {
        super("the compiled plaintexts do not belong to this network: " + what + "; compile them again (hecnn "
                + "compile with the same model and options) or leave them out");
    }
}
