package org.hecnn.cli;

import org.hecnn.HecnnException;
import picocli.CommandLine;

/** Prints hecnn's typed errors as one clear line (exit code 2) instead of a stack trace. */
final class UserErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult)
            throws Exception {
        if (ex instanceof HecnnException) {
            cmd.getErr().println("error: " + ex.getMessage());
            return ex instanceof HeapTooSmallException ? Hecnn.OUT_OF_MEMORY : 2;
        }
        throw ex;
    }
}
