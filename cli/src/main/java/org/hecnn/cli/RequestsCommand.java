package org.hecnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The client's side of a batch job (the Spark job of module spark, docs/scale-out.md): {@code requests encrypt}
 * turns a dataset into request files and one evaluation-key file to ship, keeping the secret key in the client's own
 * directory; {@code requests decrypt} turns the job's response directory into predictions.
 */
@Command(name = "requests", mixinStandardHelpOptions = true,
        description = "Encrypt a dataset into request files for a batch job, and decrypt its responses.",
        subcommands = {EncryptRequestsCommand.class, DecryptResponsesCommand.class})
final class RequestsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
