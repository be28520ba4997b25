package org.hecnn.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Properties;

/**
 * The GPU kernels of hecnn, written once ({@code rns.cl}) for OpenCL C 1.2 and CUDA through a small
 * compatibility header ({@code hecnn_compat.h}). OpenCL builds the source at run time; the CUDA images (fatbin
 * for sm_80 and sm_90 with compute_90 PTX, and a separate PTX) are compiled by nvcc during the Maven build when
 * nvcc is present and packaged next to the source.
 */
public final class KernelSources {
    /** Resource folder of the kernel files. */
    public static final String BASE = "/org/hecnn/kernels/";
    /** log2 of the NTT tile in local memory; the CUDA images are compiled with the same value. */
    public static final int TILE_LOG = 11;
    /** What the CUDA backend reports when this build carries no CUDA images. */
    public static final String NO_CUDA_KERNELS =
            "no compiled kernels in this build (nvcc was not found at build time)";

    private KernelSources() {
    }

    /** The compatibility header text. */
    public static String compatHeader() {
        return text("hecnn_compat.h");
    }

    /** The kernel source text (without the header). */
    public static String kernelSource() {
        return text("rns.cl");
    }

    /**
     * The complete OpenCL program: header, then the kernels. {@code tileLog} overrides the NTT tile size
     * (tests use small tiles to exercise multi-pass transforms on small rings).
     */
    public static String openClProgram(int tileLog) {
        return "#define HECNN_TILE_LOG " + tileLog + "\n" + compatHeader() + "\n" + kernelSource();
    }

    /** SHA-256 of the given text, as hex (keys the cache of built OpenCL programs). */
    public static String sha256(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The CUDA fatbin (sm_80, sm_90 cubins and compute_90 PTX), if nvcc ran at build time. */
    public static Optional<byte[]> cudaFatbin() {
        return bytes("rns.fatbin");
    }

    /** The CUDA PTX (compute_80) with a terminating 0 byte, as cuModuleLoadData needs, if nvcc ran. */
    public static Optional<byte[]> cudaPtx() {
        return bytes("rns.ptx").map(b -> b.length > 0 && b[b.length - 1] == 0 ? b : Arrays.copyOf(b, b.length + 1));
    }

    /** Build information written next to the CUDA images (nvcc version, flags, source hash), if any. */
    public static Optional<Properties> cudaBuildInfo() {
        return bytes("cuda-build.properties").map(b -> {
            Properties p = new Properties();
            try {
                p.load(new java.io.ByteArrayInputStream(b));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return p;
        });
    }

    private static String text(String name) {
        return new String(bytes(name).orElseThrow(
                () -> new IllegalStateException("kernel resource " + BASE + name + " is missing")),
                StandardCharsets.UTF_8);
    }

    private static Optional<byte[]> bytes(String name) {
        try (InputStream in = KernelSources.class.getResourceAsStream(BASE + name)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel resource " + BASE + name, e);
        }
    }
}
