package org.hecnn.inference.packed;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.ParameterMismatchException;
import org.hecnn.cnn.model.Model;
import org.hecnn.inference.Layout;
import org.hecnn.io.CoefficientBankCodec;
import org.hecnn.io.CoefficientBankReader;

/**
 * A network's plaintexts stored once so that later compilations read them instead of encoding them again
 * ({@link NetworkCompiler#compileFrom}). They are written as integer coefficients ({@link CoefficientBankCodec}: CRC32C
 * per frame) bound to the CKKS parameters and to a digest of everything that decides them: the prepared model's
 * {@link Model#fingerprint() fingerprint}, the ensemble size, the precision targets, the layout, the baby-step limit
 * and {@link #ENCODING_REVISION}. A reader refuses plaintexts of another binding before reading any coefficient, and
 * re-encodes one pair per bank to compare bit for bit, so plaintexts made by an encoder that changed are refused too.
 * Stateless and thread-safe.
 */
public final class CompiledPlaintexts {
    /**
     * The revision of how plaintexts are encoded and laid out; part of the binding, so raising it when either changes
     * makes every stored file stale at once (the per-bank re-encoding check catches a change that forgot to).
     */
    static final int ENCODING_REVISION = 1;

    private CompiledPlaintexts() {
    }

    /** Writes the plaintexts of a network compiled for storing ({@link NetworkCompiler#compileForStoring}). */
    public static void write(NetworkCompiler.Compiled compiled, OutputStream out) throws IOException {
        HeNetwork network = compiled.network();
        List<PlaintextBank> made = network.plaintextBanks().made();
        if (network.plaintextBanks().mode() != PlaintextBank.Mode.COEFFICIENTS) {
            throw new IllegalArgumentException("only a network compiled for storing (plaintexts kept as "
                    + "coefficients) can be written, not one whose plaintexts are kept "
                    + network.plaintextBanks().mode());
        }
        CkksParameters params = compiled.context().parameters();
        byte[] digest = digest(compiled.model(), compiled.members(), params, compiled.targets(), network.layout(),
                network.maxBabySteps());
        CoefficientBankCodec.write(out, params, digest, made.stream()
                .map(b -> new CoefficientBankCodec.Bank(b.level(), b.scale(), b.storedCoefficients())).toList());
    }

    /** The binding digest of the plaintexts a compilation with these inputs makes. */
    static byte[] digest(Model prepared, int members, CkksParameters params, PrecisionTargets targets, Layout layout,
                         int maxBabySteps) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            String decided = String.join("\n", "hecnn compiled plaintexts", Integer.toString(ENCODING_REVISION),
                    Integer.toString(members), targets.toString(), layout.name(), Integer.toString(maxBabySteps));
            sha.update(decided.getBytes(StandardCharsets.UTF_8));
            sha.update(prepared.fingerprint());
            sha.update(params.fingerprint());
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** Where stored plaintexts are read from, opened for the parameters a compilation planned. */
    interface Source {
        CoefficientBankReader open(CkksParameters params) throws IOException;
    }

    /** Opens stored plaintexts and checks that they were made for this network before any coefficient is read. */
    static CoefficientBankReader open(Source source, CkksParameters params, byte[] digest) {
        CoefficientBankReader reader;
        try {
            reader = source.open(params);
        } catch (ParameterMismatchException e) {
            throw new CompiledPlaintextsMismatchException("they were made for other CKKS parameters than this "
                    + "compilation plans (" + params + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the compiled plaintexts: " + e.getMessage(), e);
        }
        if (!Arrays.equals(reader.digest(), digest)) {
            throw new CompiledPlaintextsMismatchException("they were compiled from another model, with other "
                    + "options (scale or weight bits, rescaling, layout, baby steps, clusters) or by another version of "
                    + "hecnn");
        }
        return reader;
    }
}
