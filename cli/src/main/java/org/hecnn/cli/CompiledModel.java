package org.hecnn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hecnn.inference.EncryptedNetwork;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * A model compiled with the model options of {@code hecnn serve} and {@code hecnn describe} (--layout, --scale-bits,
 * --backend, ...), for a program on the evaluating side other than this tool: the Spark batch job (module spark).
 * The options are parsed and checked by the same code as the commands', so the network such a program compiles from
 * a model and options is the one {@code hecnn describe} described from the same model and options.
 */
public final class CompiledModel {
    private CompiledModel() {
    }

    /** The options alone, as picocli parses them. */
    @Command(name = "model-options")
    static final class Args {
        @Mixin
        ModelOptions options;
    }

    /**
     * Parses model options (without --model or --ensemble: the caller names the model) and checks them without
     * compiling anything.
     *
     * @throws InvalidOptionException for an option that is not a model option or a value that does not fit
     */
    public static void check(List<String> options) {
        ModelOptions o = parse(options, null);
        // --layout auto depends on the model, which is not read here: taken as a chain layout, so that only an
        // explicit CNN layout refuses --input-range
        if (o.family(ModelOptions.Family.BATCHED) == ModelOptions.Family.CNN) {
            o.options();
        }
    }

    /**
     * Compiles {@code model} with {@code options} as {@code hecnn serve} would (the layout --layout names; auto: the
     * batched layout for a chain network, else the cost model's choice between the CNN layouts).
     *
     * @param capacity images one request must carry (the batched layout picks the smallest secure ring for them; the
     *                 other layouts carry one)
     * @param encode   whether the CNN layouts encode their plaintexts (false: only the description is wanted)
     */
    public static EncryptedNetwork compile(Path model, List<String> options, int capacity, boolean encode) {
        ModelOptions o = parse(options, model);
        return o.network(o.familyOfModel(), capacity, encode).network();
    }

    private static ModelOptions parse(List<String> options, Path model) {
        for (String a : options) {
            if (a.equals("--model") || a.startsWith("--model=") || a.equals("--ensemble")
                    || a.startsWith("--ensemble=")) {
                throw new InvalidOptionException(a + " is not a model option here: the model is given on its own "
                        + "(one ONNX file)");
            }
        }
        List<String> args = new ArrayList<>(options);
        if (model != null) {
            args.add("--model");
            args.add(model.toString());
        }
        Args parsed = new Args();
        try {
            new CommandLine(parsed).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new InvalidOptionException("model options " + String.join(" ", options) + ": " + e.getMessage());
        }
        return parsed.options;
    }
}
