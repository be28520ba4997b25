package org.hecnn.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hecnn.HecnnException;
import org.hecnn.inference.packed.CompiledPlaintexts;
import org.hecnn.inference.packed.NetworkCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Compiles a model once and stores its encoded plaintexts, so that infer, eval and serve given the same model and
 * options (and {@code --compiled FILE}) read them instead of encoding them again. The file is written next to its
 * destination and moved into place when complete, so an interrupted run never leaves a partial file under that name.
 */
@Command(name = "compile", mixinStandardHelpOptions = true,
        description = "Compile a model and store its plaintexts for --compiled (infer, eval, serve).")
final class CompileCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Option(names = "--out", required = true, description = "the file to write (replaced if it exists)")
    Path out;

    @Override
    public Integer call() throws IOException {
        Path target = out.toAbsolutePath();
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new InvalidOptionException("--out " + out + ": the directory " + dir + " does not exist");
        }
        if (Files.isDirectory(target)) {
            throw new InvalidOptionException("--out " + out + " is a directory: name a file");
        }
        long start = System.nanoTime();
        try (NetworkCompiler.Compiled compiled = options.compileForStoring()) {
            double compileSeconds = (System.nanoTime() - start) / 1e9;
            Path partial = Files.createTempFile(dir, target.getFileName().toString(), ".partial");
            long writeStart = System.nanoTime();
            try {
                try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 20)) {
                    CompiledPlaintexts.write(compiled, o);
                }
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new HecnnException("--out " + out + ": cannot write it: " + e.getMessage(), e);
            } finally {
                Files.deleteIfExists(partial);
            }
            double writeSeconds = (System.nanoTime() - writeStart) / 1e9;
            long bytes = Files.size(target);
            if (options.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", compiled.name());
                m.put("file", target.toString());
                m.put("bytes", bytes);
                m.put("plaintextBytes", compiled.plaintextBytes());
                m.put("compileSeconds", compileSeconds);
                m.put("writeSeconds", writeSeconds);
                m.put("decisions", compiled.decisions());
                System.out.println(Json.write(m));
            } else {
                System.out.printf(Locale.ROOT, "compiled %s: %s%nwrote %s: %.2f GiB in %.1f s (compiled in %.1f s); "
                        + "read it back with --compiled %s and the same model options%n", compiled.name(),
                        compiled.decisions(), target, bytes / (double) (1L << 30), writeSeconds, compileSeconds, out);
            }
            return 0;
        }
    }
}
