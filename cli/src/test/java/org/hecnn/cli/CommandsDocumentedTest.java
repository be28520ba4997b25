package org.hecnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** Every command answers --help, and the README's table of options says exactly which options each one takes. */
class CommandsDocumentedTest {
    /** Options every command has; the README says so once instead of in every row. */
    static final Set<String> COMMON = Set.of("--help", "--version", "--verbose");

    @ParameterizedTest
    @ValueSource(strings = {"infer", "eval", "plan", "compile", "serve", "load", "demo", "backends", "describe",
        "requests encrypt", "requests decrypt"})
    void everyCommandAnswersHelp(String command) {
        CliRun.Result r = CliRun.run((command + " --help").split(" "));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Usage: hecnn " + command), r.out());
        for (String option : COMMON) {
            assertTrue(r.out().contains(option), option + " in " + r.out());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"infer", "eval", "plan", "compile", "serve", "load", "demo", "backends", "describe",
        "requests encrypt", "requests decrypt"})
    void theReadmeListsExactlyTheOptionsOfEachCommand(String command) throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        Matcher row = Pattern.compile("(?m)^\\| `" + command + "` \\| (.*) \\|$").matcher(readme);
        assertTrue(row.find(), "README has no options row for " + command);
        Set<String> documented = new TreeSet<>();
        Matcher option = Pattern.compile("--[a-zA-Z][a-zA-Z-]*").matcher(row.group(1));
        while (option.find()) {
            documented.add(option.group());
        }
        Set<String> actual = new TreeSet<>();
        CommandLine sub = Hecnn.commandLine();
        for (String part : command.split(" ")) { // "requests encrypt": a subcommand's subcommand
            sub = sub.getSubcommands().get(part);
        }
        for (CommandLine.Model.OptionSpec o : sub.getCommandSpec().options()) {
            if (!COMMON.contains(o.longestName())) {
                actual.add(o.longestName());
            }
        }
        assertEquals(actual, documented, "README row of " + command);
        assertTrue(readme.contains("Every command also takes `--help`, `--version` and `--verbose`"), "README");
    }
}
