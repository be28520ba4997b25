/**
 * Import of ONNX models as exported by PyTorch ({@code torch.onnx.export}) into a
 * {@link org.hecnn.cnn.model.Model}: protobuf parsing with generated classes (schema subset in
 * {@code src/main/proto/onnx_subset.proto}), constant folding of shape arithmetic, and pattern matching of the
 * polynomial activation and the option-A shortcut. Entry point: {@link org.hecnn.cnn.onnx.OnnxImporter}.
 */
package org.hecnn.cnn.onnx;
