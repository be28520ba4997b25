package org.hecnn.cnn.onnx;

/** Numpy-style broadcasting arithmetic on constant tensors. */
final class Broadcast {
    private Broadcast() {
    }

    static ConstTensor binary(String op, ConstTensor a, ConstTensor b, String nodeName) {
        int rank = Math.max(a.rank(), b.rank());
        int[] dims = new int[rank];
        for (int k = 0; k < rank; k++) {
            int da = dimAligned(a, k, rank);
            int db = dimAligned(b, k, rank);
            if (da != db && da != 1 && db != 1) {
                throw new MalformedModelException("node '" + nodeName + "': cannot broadcast " + a + " with " + b);
            }
            dims[k] = da == 1 ? db : da;
        }
        long count = ConstTensor.count(dims);
        if (count < 0) {
            throw new UnsupportedModelException(nodeName, op, "constant result too large");
        }
        int n = (int) count;
        boolean integral = a.integral() && b.integral() && !op.equals("Pow");
        long[] lv = integral ? new long[n] : null;
        double[] dv = integral ? null : new double[n];
        int[] idx = new int[rank];
        for (int i = 0; i < n; i++) {
            int ia = flat(a, idx, rank);
            int ib = flat(b, idx, rank);
            if (integral) {
                long x = a.longAt(ia);
                long y = b.longAt(ib);
                lv[i] = switch (op) {
                    case "Add" -> x + y;
                    case "Sub" -> x - y;
                    case "Mul" -> x * y;
                    case "Div" -> {
                        if (y == 0) {
                            throw new MalformedModelException("node '" + nodeName + "': integer division by zero");
                        }
                        yield x / y;
                    }
                    default -> throw new IllegalStateException(op);
                };
            } else {
                double x = a.doubleAt(ia);
                double y = b.doubleAt(ib);
                dv[i] = switch (op) {
                    case "Add" -> x + y;
                    case "Sub" -> x - y;
                    case "Mul" -> x * y;
                    case "Div" -> x / y;
                    case "Pow" -> Math.pow(x, y);
                    default -> throw new IllegalStateException(op);
                };
            }
            ConstantFolder.increment(idx, dims);
        }
        return integral ? ConstTensor.ofLongs(dims, lv) : ConstTensor.ofDoubles(dims, dv);
    }

    static ConstTensor unary(String op, ConstTensor a) {
        if (op.equals("Neg") && a.integral()) {
            long[] v = a.toLongs();
            for (int i = 0; i < v.length; i++) {
                v[i] = -v[i];
            }
            return ConstTensor.ofLongs(a.dims(), v);
        }
        double[] v = a.toDoubles();
        for (int i = 0; i < v.length; i++) {
            v[i] = op.equals("Neg") ? -v[i] : Math.sqrt(v[i]);
        }
        return ConstTensor.ofDoubles(a.dims(), v);
    }

    private static int dimAligned(ConstTensor t, int k, int rank) {
        int j = k - (rank - t.rank());
        return j < 0 ? 1 : t.dim(j);
    }

    private static int flat(ConstTensor t, int[] idx, int rank) {
        int off = 0;
        int shift = rank - t.rank();
        for (int j = 0; j < t.rank(); j++) {
            int d = t.dim(j);
            off = off * d + (d == 1 ? 0 : idx[j + shift]);
        }
        return off;
    }
}
