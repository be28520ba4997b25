package org.hecnn.inference.packed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.TestContexts;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.TestTensors;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.hecnn.io.CoefficientBankCodec;
import org.hecnn.io.MalformedDataException;
import org.junit.jupiter.api.Test;

/**
 * Plaintexts compiled once and read back make the network a fresh compilation makes, bit for bit, and plaintexts of
 * another network, corrupt or re-encoded differently, are refused.
 */
class CompiledPlaintextsTest {
    private static final PrecisionTargets TARGETS = new PrecisionTargets(25, 17, 8);

    private static NetworkCompiler.Options options(PrecisionTargets t) {
        return NetworkCompiler.Options.defaults().withTargets(t).withParameters(TestTensors.smallParameters(t));
    }

    private static Model model(long seed) {
        return TestTensors.miniResNet(new Random(seed));
    }

    private static byte[] stored(Model model, NetworkCompiler.Options options) throws IOException {
        try (NetworkCompiler.Compiled c = NetworkCompiler.compileForStoring(List.of(model), TestContexts.backend(),
                options)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CompiledPlaintexts.write(c, out);
            return out.toByteArray();
        }
    }

    /** The response of a network to one request under one set of evaluation keys. */
    private static byte[] respond(NetworkCompiler.Compiled network, byte[] keys, byte[] request) {
        InferenceServer server = new InferenceServer(network);
        return server.open(keys).evaluate(request, LayerProgress.NONE);
    }

    private static void assertSameCoefficients(Object expected, Object actual, String what) {
        if (expected instanceof int[] small) {
            assertArrayEquals(small, (int[]) actual, what);
        } else {
            assertArrayEquals((long[]) expected, (long[]) actual, what);
        }
    }

    @Test
    void aNetworkReadBackAnswersBitForBitAsAFreshlyCompiledOne() throws IOException {
        Model model = model(3);
        byte[] file = stored(model, options(TARGETS));
        Tensor image = TestTensors.random(new Random(4), 1.0, 3, 8, 8);
        try (NetworkCompiler.Compiled fresh = NetworkCompiler.compile(model, TestContexts.backend(),
                options(TARGETS));
             NetworkCompiler.Compiled loaded = NetworkCompiler.compileFrom(List.of(model), TestContexts.backend(),
                     options(TARGETS), new ByteArrayInputStream(file))) {
            assertEquals(PlaintextBank.Mode.NTT, loaded.network().plaintextBanks().mode(), "a small network keeps "
                    + "its plaintexts in NTT form, read back or not");
            assertTrue(loaded.decisions().contains("read from compiled plaintexts"), loaded.decisions());
            try (InferenceClient client = new InferenceClient(fresh.description(), TestContexts.backend())) {
                byte[] request = client.encrypt(TestTensors.toArray(image));
                byte[] keys = client.evaluationKeys();
                assertArrayEquals(respond(fresh, keys, request), respond(loaded, keys, request));
            }
        }
    }

    /** From a mapped file, plaintexts kept as coefficients stay in the mapping and answer bit for bit the same. */
    @Test
    void aMappedFileAnswersBitForBitAsAFreshCompilation(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        Model model = model(6);
        java.nio.file.Path file = dir.resolve("m.hecp");
        java.nio.file.Files.write(file, stored(model, options(TARGETS)));
        Tensor image = TestTensors.random(new Random(7), 1.0, 3, 8, 8);
        try (NetworkCompiler.Compiled fresh = NetworkCompiler.compile(model, TestContexts.backend(),
                options(TARGETS).withPlaintextBudget(0));
             NetworkCompiler.Compiled mapped = NetworkCompiler.compileFrom(List.of(model), TestContexts.backend(),
                     options(TARGETS).withPlaintextBudget(0), file)) {
            assertEquals(PlaintextBank.Mode.COEFFICIENTS, mapped.network().plaintextBanks().mode());
            long segments = mapped.network().plaintextBanks().made().stream()
                    .flatMap(b -> b.storedCoefficients().stream())
                    .filter(c -> c instanceof java.lang.foreign.MemorySegment s && s.isNative()).count();
            assertTrue(segments > 20, segments + " plaintexts left in the mapping");
            try (InferenceClient client = new InferenceClient(fresh.description(), TestContexts.backend())) {
                byte[] request = client.encrypt(TestTensors.toArray(image));
                byte[] keys = client.evaluationKeys();
                assertArrayEquals(respond(fresh, keys, request), respond(mapped, keys, request));
            }
        }
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        bytes[bytes.length - 7] ^= 4;
        java.nio.file.Files.write(file, bytes);
        MalformedDataException corrupt = assertThrows(MalformedDataException.class,
                () -> NetworkCompiler.compileFrom(List.of(model), TestContexts.backend(), options(TARGETS), file)
                        .close());
        assertTrue(corrupt.getMessage().contains("checksum mismatch"), corrupt.getMessage());
        java.nio.file.Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        MalformedDataException truncated = assertThrows(MalformedDataException.class,
                () -> NetworkCompiler.compileFrom(List.of(model), TestContexts.backend(), options(TARGETS), file)
                        .close());
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
    }

    @Test
    void plaintextsKeptAsCoefficientsReadBackEqualTheEncodedOnes() throws IOException {
        Model model = model(5);
        byte[] file = stored(model, options(TARGETS));
        try (NetworkCompiler.Compiled stored = NetworkCompiler.compileForStoring(List.of(model),
                TestContexts.backend(), options(TARGETS));
             NetworkCompiler.Compiled loaded = NetworkCompiler.compileFrom(List.of(model), TestContexts.backend(),
                     options(TARGETS).withPlaintextBudget(0), new ByteArrayInputStream(file))) {
            List<PlaintextBank> a = stored.network().plaintextBanks().made();
            List<PlaintextBank> b = loaded.network().plaintextBanks().made();
            assertEquals(PlaintextBank.Mode.COEFFICIENTS, loaded.network().plaintextBanks().mode());
            assertEquals(a.size(), b.size());
            int plaintexts = 0;
            for (int i = 0; i < a.size(); i++) {
                List<Object> x = a.get(i).storedCoefficients();
                List<Object> y = b.get(i).storedCoefficients();
                assertEquals(x.size(), y.size());
                for (int k = 0; k < x.size(); k++) {
                    assertSameCoefficients(x.get(k), y.get(k), "bank " + i + " plaintext " + k);
                    plaintexts++;
                }
            }
            assertTrue(plaintexts > 20, plaintexts + " plaintexts compared");
        }
    }

    @Test
    void plaintextsOfAnotherModelOrOtherOptionsAreRefusedBeforeUse() throws IOException {
        byte[] file = stored(model(3), options(TARGETS));
        CompiledPlaintextsMismatchException otherWeights = assertThrows(CompiledPlaintextsMismatchException.class,
                () -> NetworkCompiler.compileFrom(List.of(model(4)), TestContexts.backend(), options(TARGETS),
                        new ByteArrayInputStream(file)).close());
        assertTrue(otherWeights.getMessage().contains("another model, with other options"),
                otherWeights.getMessage());
        assertThrows(CompiledPlaintextsMismatchException.class, () -> NetworkCompiler.compileFrom(List.of(model(3)),
                TestContexts.backend(), options(TARGETS).withMaxBabySteps(1), new ByteArrayInputStream(file)).close());
        CkksParameters otherPrimes = CkksParameters.builder().logN(11).dataPrimeBits(TARGETS.outputPrimeBits(), 58,
                59, 59).specialPrimeBits(61, 61, 61).dnum(2).scaleBits(TARGETS.scaleBits()).allowInsecureForTestsOnly()
                .build();
        CompiledPlaintextsMismatchException otherParameters = assertThrows(CompiledPlaintextsMismatchException.class,
                () -> NetworkCompiler.compileFrom(List.of(model(3)), TestContexts.backend(),
                        options(TARGETS).withParameters(otherPrimes), new ByteArrayInputStream(file)).close());
        assertTrue(otherParameters.getMessage().contains("other CKKS parameters"), otherParameters.getMessage());
    }

    @Test
    void corruptOrTruncatedFilesAreRefused() throws IOException {
        Model model = model(3);
        byte[] file = stored(model, options(TARGETS));
        byte[] flipped = file.clone();
        flipped[file.length / 2] ^= 0x10;
        MalformedDataException corrupt = assertThrows(MalformedDataException.class,
                () -> NetworkCompiler.compileFrom(List.of(model), TestContexts.backend(), options(TARGETS),
                        new ByteArrayInputStream(flipped)).close());
        assertTrue(corrupt.getMessage().contains("checksum mismatch"), corrupt.getMessage());
        byte[] cut = java.util.Arrays.copyOf(file, file.length - 1000);
        MalformedDataException truncated = assertThrows(MalformedDataException.class,
                () -> NetworkCompiler.compileFrom(List.of(model), TestContexts.backend(), options(TARGETS),
                        new ByteArrayInputStream(cut)).close());
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
        byte[] longer = java.util.Arrays.copyOf(file, file.length + 1);
        MalformedDataException appended = assertThrows(MalformedDataException.class,
                () -> NetworkCompiler.compileFrom(List.of(model), TestContexts.backend(), options(TARGETS),
                        new ByteArrayInputStream(longer)).close());
        assertTrue(appended.getMessage().contains("after the last bank"), appended.getMessage());
    }

    /**
     * A file whose binding is right but whose plaintexts another encoder made (one coefficient of each bank's
     * re-encoded pair changed, checksums recomputed by the writer) is refused: what a changed encoder would write.
     */
    @Test
    void plaintextsEncodedDifferentlyAreRefusedByTheReEncodingCheck() throws IOException {
        Model model = model(3);
        NetworkCompiler.Options options = options(TARGETS);
        byte[] file;
        try (NetworkCompiler.Compiled c = NetworkCompiler.compileForStoring(List.of(model), TestContexts.backend(),
                options)) {
            CkksParameters p = c.context().parameters();
            List<CoefficientBankCodec.Bank> banks = new ArrayList<>();
            for (PlaintextBank b : c.network().plaintextBanks().made()) {
                List<Object> coefficients = new ArrayList<>();
                for (Object o : b.storedCoefficients()) {
                    coefficients.add(o instanceof int[] small ? small.clone() : ((long[]) o).clone());
                }
                if (!coefficients.isEmpty()) {
                    Object checked = coefficients.get((coefficients.size() / 2) & ~1);
                    if (checked instanceof int[] small) {
                        small[7] += 1;
                    } else {
                        ((long[]) checked)[7] += 1;
                    }
                }
                banks.add(new CoefficientBankCodec.Bank(b.level(), b.scale(), coefficients));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CoefficientBankCodec.write(out, p, CompiledPlaintexts.digest(c.model(), 1, p, c.targets(),
                    c.network().layout(), c.network().maxBabySteps()), banks);
            file = out.toByteArray();
        }
        CompiledPlaintextsMismatchException e = assertThrows(CompiledPlaintextsMismatchException.class,
                () -> NetworkCompiler.compileFrom(List.of(model), TestContexts.backend(), options,
                        new ByteArrayInputStream(file)).close());
        assertTrue(e.getMessage().contains("is not what this version of hecnn encodes"), e.getMessage());
    }
}
