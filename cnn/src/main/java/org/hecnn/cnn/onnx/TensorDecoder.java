package org.hecnn.cnn.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.hecnn.cnn.onnx.proto.OnnxProto.TensorProto;
import org.hecnn.cnn.onnx.proto.OnnxProto.TensorProto.DataType;

/** Decodes an ONNX TensorProto into a {@link ConstTensor}, checking sizes before allocating anything. */
final class TensorDecoder {
    private TensorDecoder() {
    }

    static ConstTensor decode(TensorProto t, String what) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            throw new UnsupportedModelException("", "", what + " '" + t.getName()
                    + "' keeps its data in an external file; re-export the model with the weights inside the .onnx");
        }
        int[] dims = new int[t.getDimsCount()];
        for (int i = 0; i < dims.length; i++) {
            long d = t.getDims(i);
            if (d < 0 || d > ConstTensor.MAX_ELEMENTS) {
                throw new MalformedModelException(what + " '" + t.getName() + "' has an invalid dimension " + d);
            }
            dims[i] = (int) d;
        }
        long count = ConstTensor.count(dims);
        if (count < 0) {
            throw new MalformedModelException(what + " '" + t.getName() + "' is too large: dims " + t.getDimsList());
        }
        int n = (int) count;
        int type = t.getDataType();
        DataType dt = DataType.forNumber(type);
        if (dt == null) {
            throw new MalformedModelException(what + " '" + t.getName() + "' has unknown data type " + type);
        }
        boolean raw = t.hasRawData();
        ByteBuffer buf = raw ? t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN) : null;
        switch (dt) {
            case FLOAT -> {
                double[] v = new double[needs(t, what, n, raw ? buf.remaining() / 4 : t.getFloatDataCount(), raw, buf, 4)];
                for (int i = 0; i < n; i++) {
                    v[i] = raw ? buf.getFloat(4 * i) : t.getFloatData(i);
                }
                return ConstTensor.ofDoubles(dims, v);
            }
            case DOUBLE -> {
                double[] v = new double[needs(t, what, n, raw ? buf.remaining() / 8 : t.getDoubleDataCount(), raw, buf, 8)];
                for (int i = 0; i < n; i++) {
                    v[i] = raw ? buf.getDouble(8 * i) : t.getDoubleData(i);
                }
                return ConstTensor.ofDoubles(dims, v);
            }
            case FLOAT16 -> {
                double[] v = new double[needs(t, what, n, raw ? buf.remaining() / 2 : t.getInt32DataCount(), raw, buf, 2)];
                for (int i = 0; i < n; i++) {
                    short bits = raw ? buf.getShort(2 * i) : (short) t.getInt32Data(i);
                    v[i] = Float.float16ToFloat(bits);
                }
                return ConstTensor.ofDoubles(dims, v);
            }
            case INT64 -> {
                long[] v = new long[needs(t, what, n, raw ? buf.remaining() / 8 : t.getInt64DataCount(), raw, buf, 8)];
                for (int i = 0; i < n; i++) {
                    v[i] = raw ? buf.getLong(8 * i) : t.getInt64Data(i);
                }
                return ConstTensor.ofLongs(dims, v);
            }
            case INT32, INT16, INT8, UINT8, UINT16, BOOL -> {
                int width = switch (dt) {
                    case INT32 -> 4;
                    case INT16, UINT16 -> 2;
                    default -> 1;
                };
                long[] v = new long[needs(t, what, n, raw ? buf.remaining() / width : t.getInt32DataCount(), raw, buf,
                        width)];
                for (int i = 0; i < n; i++) {
                    if (!raw) {
                        v[i] = t.getInt32Data(i);
                    } else {
                        v[i] = switch (dt) {
                            case INT32 -> buf.getInt(4 * i);
                            case INT16 -> buf.getShort(2 * i);
                            case UINT16 -> buf.getShort(2 * i) & 0xffff;
                            case INT8 -> buf.get(i);
                            default -> buf.get(i) & 0xff;
                        };
                    }
                }
                return ConstTensor.ofLongs(dims, v);
            }
            default -> throw new UnsupportedModelException("", "", what + " '" + t.getName() + "' has data type " + dt
                    + "; only float, double, float16 and integer tensors are supported");
        }
    }

    /** Checks the stored element count equals the dims' count; returns it. */
    private static int needs(TensorProto t, String what, int n, int stored, boolean raw, ByteBuffer buf, int width) {
        if (raw && buf.remaining() != (long) n * width) {
            throw new MalformedModelException(what + " '" + t.getName() + "': dims " + t.getDimsList() + " need "
                    + ((long) n * width) + " bytes of raw data, found " + buf.remaining());
        }
        if (stored != n) {
            throw new MalformedModelException(what + " '" + t.getName() + "': dims " + t.getDimsList() + " need " + n
                    + " values, found " + stored);
        }
        return n;
    }
}
