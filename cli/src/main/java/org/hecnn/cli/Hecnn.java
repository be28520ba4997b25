package org.hecnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code hecnn} command-line tool. */
@Command(name = "hecnn", mixinStandardHelpOptions = true, version = "hecnn 0.1.0",
        description = "Private CNN inference under leveled RNS-CKKS.",
        subcommands = {InferCommand.class, EvalCommand.class, PlanCommand.class, DemoCommand.class, BackendsCommand.class})
public final class Hecnn implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code = new CommandLine(new Hecnn())
                .setExecutionExceptionHandler(new UserErrorHandler())
                .execute(args);
        System.exit(code);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
