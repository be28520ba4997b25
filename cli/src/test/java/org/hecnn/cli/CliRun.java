package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import picocli.CommandLine;

/** Runs `hecnn` commands in-process for tests, the way the launcher does (user errors handled, exit code checked). */
final class CliRun {
    private CliRun() {
    }

    /** Runs a command that must succeed; returns what it printed on standard output. */
    static String ok(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            assertEquals(0, execute(args), "exit code of " + String.join(" ", args));
        } finally {
            System.setOut(old);
        }
        return buf.toString();
    }

    /** Runs a command that must fail; returns what it printed on standard error. */
    static String failing(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        try {
            assertNotEquals(0, execute(args), "exit code of " + String.join(" ", args));
        } finally {
            System.setErr(old);
        }
        return buf.toString();
    }

    private static int execute(String... args) {
        return new CommandLine(new Hecnn()).setExecutionExceptionHandler(new UserErrorHandler()).execute(args);
    }
}
