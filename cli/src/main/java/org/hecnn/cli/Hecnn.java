package org.hecnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Entry point of the {@code hecnn} command-line tool. */
@Command(name = "hecnn", mixinStandardHelpOptions = true, version = "hecnn 0.1.0",
        description = "Private CNN inference under leveled RNS-CKKS.",
        subcommands = {InferCommand.class, EvalCommand.class, PlanCommand.class, CompileCommand.class, ServeCommand.class, LoadCommand.class,
            DescribeCommand.class, RequestsCommand.class,
            DemoCommand.class, BackendsCommand.class})
public final class Hecnn implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Exit status when the heap was too small for the work asked for. */
    static final int OUT_OF_MEMORY = 3;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "also log what happens on the "
            + "way: why backends were skipped, device details")
    void verbose(boolean on) {
        Logging.configure(on);
    }

    public static void main(String[] args) {
        int code;
        try {
            code = commandLine().execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println(outOfMemoryMessage(Runtime.getRuntime().maxMemory()));
            code = OUT_OF_MEMORY;
        }
        System.exit(code);
    }

    /** The tool as {@link #main} runs it: typed errors as one line, library logs at warnings unless --verbose. */
    static CommandLine commandLine() {
        Logging.configure(false);
        return new CommandLine(new Hecnn()).setExecutionExceptionHandler(new UserErrorHandler());
    }

    /** What to tell a user whose run did not fit a heap of {@code maxHeapBytes}. */
    static String outOfMemoryMessage(long maxHeapBytes) {
        return String.format("error: out of memory: the Java heap (%.1f GiB) is too small for this network with these "
                + "options. Run with a larger heap (HECNN_HEAP=14g ./hecnn ...; `hecnn plan` prints what a model needs; "
                + "ResNet-20 runs in a 12 GiB heap, its keys taking 6 GiB, and in 6 GiB with --seeded-keys and its "
                + "plaintexts mapped from `hecnn compile` (--compiled); the launcher's default is half of this "
                + "machine's memory), with those options or --tower-reuse, or with fewer images in lockstep "
                + "(--together).",
                maxHeapBytes / (double) (1L << 30));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
