package org.hecnn.inference;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.io.MalformedDataException;
import org.hecnn.io.ParametersCodec;

/**
 * What a server publishes so that a client of any layout can prepare encrypted requests without seeing the model:
 * the CKKS parameters; how images go into the slots ({@link InputEncoding}) at which level and scale, and the input
 * range the server's plan is proven for; the rotation steps the evaluation keys must cover with the highest level
 * each is used at (keys are generated only up to it, which keeps them small; the relinearisation key goes up to the
 * input level); where the outputs come back ({@link OutputDecoding}) and how many ensemble members they belong to
 * (member-major, {@code outputs / members} each; 1 for one model); and the largest |output| a client accepts
 * ({@code outputBound}: the model's certified bound, infinite for a model without a certificate; see
 * {@link org.hecnn.cnn.model.CertifiedRange}). Immutable; it serialises to bytes.
 */
public record ServiceDescription(CkksParameters parameters, InputEncoding input, OutputDecoding output,
                                 int inputLevel, double inputScale, double inputLo, double inputHi,
                                 int[] rotationSteps, int[] rotationLevels, int members, double outputBound) {
    public ServiceDescription {
        if (!(outputBound > 0)) {
            throw new IllegalArgumentException("the output bound must be positive (infinite: none), got " + outputBound);
        }
        if (rotationSteps.length != rotationLevels.length) {
            throw new IllegalArgumentException("one level per rotation step");
        }
        if (members < 1 || output.outputs() % members != 0) {
            throw new IllegalArgumentException(output.outputs() + " outputs cannot be split among " + members
                    + " members");
        }
        if (!(inputLo <= inputHi) || !(inputScale > 0)) {
            throw new IllegalArgumentException("input range [" + inputLo + ", " + inputHi + "] or scale " + inputScale
                    + " is not valid");
        }
    }

    private static final int MAGIC = 0x48534434; // "HSD4"
    private static final int MAX_STEPS = 1 << 16;

    /** Outputs per image (all members together). */
    public int outputs() {
        return output.outputs();
    }

    /** Images one request carries at most. */
    public int capacity() {
        return input.capacity(parameters.slots());
    }

    /** Bytes one ciphertext at {@code level} takes in a CPU engine (two polynomials, 8 bytes a coefficient). */
    public long ciphertextBytes(int level) {
        return 2L * (level + 1) * parameters.n() * Long.BYTES;
    }

    /** Ciphertexts in one request. */
    public int requestCiphertexts() {
        return input.ciphertexts(parameters.slots());
    }

    public byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            byte[] p = ParametersCodec.write(parameters);
            out.writeInt(p.length);
            out.write(p);
            InputEncoding.write(input, out);
            OutputDecoding.write(output, out);
            out.writeInt(inputLevel);
            out.writeDouble(inputScale);
            out.writeDouble(inputLo);
            out.writeDouble(inputHi);
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
                throw new MalformedDataException("not a hecnn service description (bad magic; a server of another "
                        + "hecnn version?)");
            }
            int plen = in.readInt();
            if (plen < 0 || plen > data.length) {
                throw new MalformedDataException("service description: parameter block length " + plen
                        + " exceeds the data");
            }
            CkksParameters params = ParametersCodec.read(in.readNBytes(plen), allowInsecureForTestsOnly);
            InputEncoding input = InputEncoding.read(in, params.slots());
            OutputDecoding output = OutputDecoding.read(in, params.slots());
            int level = in.readInt();
            double scale = in.readDouble();
            double lo = in.readDouble();
            double hi = in.readDouble();
            int members = in.readInt();
            double outputBound = in.readDouble();
            int count = in.readInt();
            if (count < 0 || count > MAX_STEPS || level < 0 || level > params.maxLevel() || members < 1
                    || output.outputs() % members != 0 || !(outputBound > 0) || !(lo <= hi)
                    || !(scale > 1) || Double.isInfinite(scale)) {
                throw new MalformedDataException("service description: implausible level, scale, range or step "
                        + "count");
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
            if (in.available() != 0) {
                throw new MalformedDataException("service description: " + in.available() + " trailing bytes");
            }
            return new ServiceDescription(params, input, output, level, scale, lo, hi, steps, stepLevels, members,
                    outputBound);
        } catch (IOException e) {
            throw new MalformedDataException("service description is truncated: " + e.getMessage());
        }
    }
}
