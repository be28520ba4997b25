package org.hecnn.cli;

import org.hecnn.backend.host.HostEngine;
import picocli.CommandLine.Option;

/**
 * How a command that evaluates in its own process keeps the evaluation keys (`infer`, `eval`; `serve` has its own
 * `--seeded-keys`, on by default there).
 */
final class LocalKeyOptions {
    @Option(names = "--seeded-keys", description = "the CPU engine keeps each key's uniform half as its seed and "
            + "remakes it at each key switch: half the key memory (ResNet-20: 3.0 GiB instead of 6.0) for slower "
            + "evaluations (about 10% on ResNet-20; docs/benchmarks.md). Local evaluation only")
    boolean seededKeys;

    /** Applies the choice to the engines this process makes; refuses it for a remote service's client. */
    void apply(boolean remote) {
        if (seededKeys && remote) {
            throw new InvalidOptionException("--seeded-keys applies to evaluation in this process; with --server the "
                    + "server keeps the keys as `hecnn serve --seeded-keys` says");
        }
        if (!remote) {
            System.setProperty(HostEngine.SEEDED_KEYS, String.valueOf(seededKeys));
        }
    }
}
