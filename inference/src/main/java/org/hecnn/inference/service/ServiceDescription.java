package org.hecnn.inference.service;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.Layout;
import org.hecnn.inference.SlotGrid;
import org.hecnn.io.MalformedDataException;
import org.hecnn.io.ParametersCodec;

/**
 * What a server publishes so that a client can prepare an encrypted request without seeing the model: the CKKS
 * parameters, the input's shape and level, the rotation steps the evaluation keys must cover with the highest level
 * each is used at (keys are generated only up to it, which keeps them small), the number of outputs and how many
 * ensemble members they belong to (member-major, {@code outputs / members} each; 1 for one model), and the largest
 * |output| a client accepts ({@code outputBound}: the model's certified bound, infinite for a model without a
 * certificate; see {@link org.hecnn.cnn.model.CertifiedRange}). It serialises to bytes.
 */
public record ServiceDescription(CkksParameters parameters, Layout layout, int channels, int height, int width,
                                 int inputLevel, int[] rotationSteps, int[] rotationLevels, int outputs, int members,
                                 double outputBound) {
    /** A description without a certified output bound. */
    public ServiceDescription(CkksParameters parameters, Layout layout, int channels, int height, int width,
                              int inputLevel, int[] rotationSteps, int[] rotationLevels, int outputs, int members) {
        this(parameters, layout, channels, height, width, inputLevel, rotationSteps, rotationLevels, outputs, members,
                Double.POSITIVE_INFINITY);
    }

    public ServiceDescription {
        if (!(outputBound > 0)) {
            throw new IllegalArgumentException("the output bound must be positive (infinite: none), got " + outputBound);
        }
        if (rotationSteps.length != rotationLevels.length) {
            throw new IllegalArgumentException("one level per rotation step");
        }
        if (members < 1 || outputs % members != 0) {
            throw new IllegalArgumentException(outputs + " outputs cannot be split among " + members + " members");
        }
    }

    private static final int MAGIC = 0x48534433; // "HSD3"
    private static final int MAX_STEPS = 1 << 16;

    /** Where the client puts the image in the slots. */
    public FeatureMap inputMap() {
        SlotGrid grid = layout.grid(parameters.slots(), height, width);
        return new FeatureMap(grid, channels, height, width, 1);
    }

    public byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            byte[] p = ParametersCodec.write(parameters);
            out.writeInt(p.length);
            out.write(p);
            out.writeInt(layout.ordinal());
            out.writeInt(channels);
            out.writeInt(height);
            out.writeInt(width);
            out.writeInt(inputLevel);
            out.writeInt(outputs);
            out.writeInt(members);
            out.writeDouble(outputBound);
            out.writeInt(rotationSteps.length);
            for (int i = 0; i < rotationSteps.length; i++) {
                out.writeInt(rotationSteps[i]);
                out.writeInt(rotationLevels[i]);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a description; insecure parameter sets are accepted only with the test-only opt-in. */
    public static ServiceDescription fromBytes(byte[] data, boolean allowInsecureForTestsOnly) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw new MalformedDataException("not a hecnn service description (bad magic)");
            }
            int plen = in.readInt();
            if (plen < 0 || plen > data.length) {
                throw new MalformedDataException("service description: parameter block length " + plen
                        + " exceeds the data");
            }
            CkksParameters params = ParametersCodec.read(in.readNBytes(plen), allowInsecureForTestsOnly);
            int layoutIndex = in.readInt();
            if (layoutIndex < 0 || layoutIndex >= Layout.values().length) {
                throw new MalformedDataException("service description: unknown layout " + layoutIndex);
            }
            int channels = in.readInt();
            int height = in.readInt();
            int width = in.readInt();
            int level = in.readInt();
            int outputs = in.readInt();
            int members = in.readInt();
            double outputBound = in.readDouble();
            int count = in.readInt();
            if (count < 0 || count > MAX_STEPS || level < 0 || level > params.maxLevel() || outputs < 1
                    || members < 1 || outputs % members != 0 || !(outputBound > 0)
                    || channels < 1 || height < 1 || width < 1 || (long) height * width > params.slots()) {
                throw new MalformedDataException("service description: implausible shape, level or step count");
            }
            int[] steps = new int[count];
            int[] stepLevels = new int[count];
            for (int i = 0; i < count; i++) {
                steps[i] = in.readInt();
                stepLevels[i] = in.readInt();
                if (stepLevels[i] < 0 || stepLevels[i] > params.maxLevel()) {
                    throw new MalformedDataException("service description: rotation level " + stepLevels[i]
                            + " is outside 0.." + params.maxLevel());
                }
            }
            return new ServiceDescription(params, Layout.values()[layoutIndex], channels, height, width, level, steps,
                    stepLevels, outputs, members, outputBound);
        } catch (IOException e) {
            throw new MalformedDataException("service description is truncated: " + e.getMessage());
        }
    }
}
