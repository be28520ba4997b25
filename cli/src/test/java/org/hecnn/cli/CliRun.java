package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs `hecnn` commands in-process for tests, the way the launcher does (user errors handled, exit code checked). */
final class CliRun {
    /** What a command left: its exit code, standard output and standard error. */
    record Result(int code, String out, String err) {
    }

    private CliRun() {
    }

    /** Runs a command that must succeed; returns what it printed on standard output. */
    static String ok(String... args) {
        Result r = run(args);
        assertEquals(0, r.code(), "exit code of " + String.join(" ", args) + "; stderr: " + r.err());
        return r.out();
    }

    /** Runs a command that must fail; returns what it printed on standard error. */
    static String failing(String... args) {
        Result r = run(args);
        assertNotEquals(0, r.code(), "exit code of " + String.join(" ", args));
        return r.err();
    }

    /** Runs a command and captures both of its streams. */
    static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Hecnn.commandLine().execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
