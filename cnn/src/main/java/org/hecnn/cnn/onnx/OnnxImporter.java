package org.hecnn.cnn.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;

import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.onnx.proto.OnnxProto.ModelProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.OperatorSetIdProto;

/**
 * Reads an ONNX model (as written by {@code torch.onnx.export}, opsets 7 to 18) into a {@link Model}.
 *
 * <p>Recognised node patterns (ONNX op sequences, PyTorch source in parentheses):
 * <ul>
 *   <li>{@code Conv} (2-D, group 1, dilation 1, explicit pads) → {@link org.hecnn.cnn.model.Conv2d};
 *       {@code BatchNormalization} (inference) → {@link org.hecnn.cnn.model.BatchNorm}</li>
 *   <li>{@code Gemm}, or {@code MatMul} followed by {@code Add} of a constant → {@link org.hecnn.cnn.model.Linear}</li>
 *   <li>any chain of {@code Mul}/{@code Add}/{@code Sub}/{@code Div}/{@code Neg}/{@code Pow} over one tensor and
 *       scalar or per-channel constants → one {@link org.hecnn.cnn.model.Polynomial} (any degree up to 32); the
 *       activation {@code (x * x) * c2 + x * c1 + c0} exports as Mul(x,x), Mul(·,c2), Mul(x,c1), Add, Add(·,c0)</li>
 *   <li>{@code Slice}(axes 2,3, step s) then {@code Pad}(channels only, zeros) → {@link org.hecnn.cnn.model.ShortcutA}
 *       ({@code F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p))}, with the pads computed by constant-folded
 *       ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast)</li>
 *   <li>{@code AveragePool} (no padding) → {@link org.hecnn.cnn.model.AvgPool}; {@code GlobalAveragePool} or
 *       {@code ReduceMean} over axes 2,3 → {@link org.hecnn.cnn.model.GlobalAvgPool} (plus Flatten when
 *       keepdims=0)</li>
 *   <li>{@code Flatten}(axis 1) or {@code Reshape} to [N, features] (also via Shape/Gather/Unsqueeze/Concat) →
 *       {@link org.hecnn.cnn.model.Flatten}</li>
 *   <li>{@code Add} of two activations → {@link org.hecnn.cnn.model.Add}; {@code Relu} →
 *       {@link org.hecnn.cnn.model.Relu} (the model is then not HE-compatible);
 *       {@code Identity}, {@code Dropout} (inference) and all-zero {@code Pad} vanish</li>
 * </ul>
 * Anything else fails with an {@link UnsupportedModelException} naming the node and operator; bytes that are not
 * a consistent ONNX model fail with a {@link MalformedModelException}.
 */
public final class OnnxImporter {
    /** Largest model file accepted (bytes). */
    public static final long MAX_FILE_BYTES = 1L << 30;

    private OnnxImporter() {
    }

    /**
     * Imports the ONNX file at {@code path}; the model is named after the file.
     *
     * @throws OnnxImportException  if the model is malformed or unsupported
     * @throws UncheckedIOException if the file cannot be read
     */
    public static Model load(Path path) {
        byte[] bytes;
        try {
            long size = Files.size(path);
            if (size > MAX_FILE_BYTES) {
                throw new UnsupportedModelException("", "", "file " + path + " is " + size + " bytes; at most "
                        + MAX_FILE_BYTES + " are supported");
            }
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("model file not found: " + path, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file " + path + ": " + e.getMessage(), e);
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".onnx")) {
            name = name.substring(0, name.length() - 5);
        }
        return parse(bytes, name);
    }

    /** Imports an ONNX model from a stream (read fully, at most {@link #MAX_FILE_BYTES}). */
    public static Model read(InputStream in, String modelName) throws IOException {
        byte[] bytes = in.readNBytes((int) Math.min(MAX_FILE_BYTES, Integer.MAX_VALUE - 8));
        if (in.read() != -1) {
            throw new UnsupportedModelException("", "", "model stream longer than " + MAX_FILE_BYTES + " bytes");
        }
        return parse(bytes, modelName);
    }

    /**
     * Imports an ONNX model from its serialised bytes.
     *
     * @param modelName the model's name; when null or empty the ONNX graph name is used
     * @throws OnnxImportException if the model is malformed or unsupported
     */
    public static Model parse(byte[] bytes, String modelName) {
        ModelProto proto = decode(bytes);
        if (!proto.hasGraph()) {
            throw new MalformedModelException("not an ONNX model: no graph"
                    + (bytes.length == 0 ? " (empty input)" : ""));
        }
        boolean hasStandardOpset = false;
        for (OperatorSetIdProto o : proto.getOpsetImportList()) {
            boolean standard = o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx");
            if (standard && (o.getVersion() < 7 || o.getVersion() > 21)) {
                throw new UnsupportedModelException("", "", "ONNX opset " + o.getVersion()
                        + " is not supported (7 to 21 are)");
            }
            hasStandardOpset |= standard;
        }
        if (!hasStandardOpset) {
            throw new MalformedModelException("not a complete ONNX model: no opset_import for the standard domain"
                    + " (a truncated file?)");
        }
        String name = modelName == null || modelName.isEmpty() ? proto.getGraph().getName() : modelName;
        java.util.Map<String, String> metadata = new java.util.HashMap<>();
        proto.getMetadataPropsList().forEach(e -> metadata.put(e.getKey(), e.getValue()));
        org.hecnn.cnn.model.CertifiedRange range = RangeMetadata.read(metadata).orElse(null);
        try {
            return new GraphTranslator(proto.getGraph(), name).translate().withCertifiedRange(range);
        } catch (OnnxImportException e) {
            throw e;
        } catch (RuntimeException e) { // e.g. shapes that do not fit, caught by the model builder
            throw new MalformedModelException("inconsistent ONNX model: " + e.getMessage(), e);
        }
    }

    private static ModelProto decode(byte[] bytes) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setRecursionLimit(64);
            ModelProto m = ModelProto.parseFrom(in);
            in.checkLastTagWas(0);
            return m;
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedModelException("not a valid ONNX file (protobuf error: " + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new MalformedModelException("cannot decode the ONNX file: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new MalformedModelException("not a valid ONNX file: " + e, e);
        }
    }
}
