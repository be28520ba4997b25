package org.hecnn.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.PolyEngine;
import org.hecnn.ckks.Ciphertext;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.io.HecnnFormat.ObjectType;
import org.hecnn.ring.RnsRing;
import org.hecnn.rlwe.AesCtrRandomness;
import org.hecnn.rlwe.Sampler;

/**
 * Ciphertexts. Body (type {@link ObjectType#CIPHERTEXT}):
 *
 * <pre>
 * binding (36) | part count S u32 (2..3) | data limb count l u32 (1..L+1) | scale f64 (finite, &gt; 0)
 * | flags u8 (bit 0: c1 is given by a seed; then S = 2)
 * | c0 over Q_{l-1} | then either the 32-byte seed of c1 or c1 [c2] over Q_{l-1}
 * </pre>
 *
 * A fresh secret-key ciphertext is written seed-compressed (about half the size): c1 is regenerated on reading
 * as the uniform polynomial of AES-CTR under the seed, exactly as {@code Encryptor} drew it. The writer only
 * trusts a seed after checking that it regenerates c1 (an in-place operation may have changed c1).
 */
public final class CiphertextCodec {
    private static final int FIXED_BYTES = HecnnFormat.BINDING_BYTES + 4 + 4 + 8 + 1;

    private CiphertextCodec() {
    }

    static long bodyBytes(RnsRing ring, int parts, int qLimbs, boolean seeded) {
        long poly = PolyCodec.bytes(ring, qLimbs, false);
        return FIXED_BYTES + (seeded ? poly + HecnnFormat.SEED_BYTES : parts * poly);
    }

    /** Largest frame a ciphertext under these parameters can occupy. */
    static long maxFrameBytes(CkksParameters p) {
        return Frames.frameBytes(bodyBytes(p.ring(), 3, p.maxLevel() + 1, false));
    }

    static long[][] expandC1(RnsRing ring, byte[] seed, int qLimbs) {
        return new Sampler(AesCtrRandomness.fromSeed(seed)).uniform(ring, qLimbs, false);
    }

    public static byte[] write(Ciphertext ct) {
        CkksContext ctx = ct.context();
        CkksParameters p = ctx.parameters();
        Binding.checkWritable(p);
        RnsRing ring = ctx.ring();
        PolyEngine engine = ctx.engine();
        int parts = ct.size();
        int ql = ct.level() + 1;
        long[][][] limbs = new long[parts][][];
        for (int i = 0; i < parts; i++) {
            if (ct.part(i).hasSpecial() || ct.part(i).qLimbs() != ql) {
                throw new IllegalArgumentException("ciphertext part " + i + " does not have the limbs of part 0");
            }
            limbs[i] = engine.download(ct.part(i));
            PolyCodec.checkShape(ring, limbs[i], ql, false, "ciphertext part " + i);
        }
        byte[] seed = ct.c1Seed();
        boolean seeded = parts == 2 && seed != null && seed.length == HecnnFormat.SEED_BYTES
                && Arrays.deepEquals(limbs[1], expandC1(ring, seed, ql));
        double scale = ct.scale();
        return Frames.frame(ObjectType.CIPHERTEXT, bodyBytes(ring, parts, ql, seeded), s -> {
            Binding.write(s, p);
            s.u32(parts);
            s.u32(ql);
            s.f64(scale);
            s.u8(seeded ? 1 : 0);
            PolyCodec.write(s, ring, limbs[0], ql, "ciphertext part 0");
            if (seeded) {
                s.bytes(seed);
            } else {
                for (int i = 1; i < parts; i++) {
                    PolyCodec.write(s, ring, limbs[i], ql, "ciphertext part " + i);
                }
            }
        });
    }

    public static void write(Ciphertext ct, OutputStream out) throws IOException {
        out.write(write(ct));
    }

    /** Reads a ciphertext into {@code ctx}; one made under other parameters throws ParameterMismatchException. */
    public static Ciphertext read(CkksContext ctx, byte[] data) {
        return parse(ctx, Frames.open(data, 0, ObjectType.CIPHERTEXT, true).body());
    }

    /** Reads one ciphertext from a stream; the declared size is checked against these parameters first. */
    public static Ciphertext read(CkksContext ctx, InputStream in) throws IOException {
        byte[] frame = Frames.readFrame(in, ObjectType.CIPHERTEXT, maxFrameBytes(ctx.parameters()),
                "the largest ciphertext these parameters allow");
        return read(ctx, frame);
    }

    private static Ciphertext parse(CkksContext ctx, ByteSource in) {
        CkksParameters p = ctx.parameters();
        Binding.check(in, p);
        RnsRing ring = ctx.ring();
        long parts = in.u32();
        if (parts < 2 || parts > 3) {
            throw new MalformedDataException("ciphertext: part count " + parts + " is not 2 or 3: the data is corrupt");
        }
        long ql = in.u32();
        if (ql < 1 || ql > p.maxLevel() + 1) {
            throw new MalformedDataException("ciphertext: limb count " + ql + " is outside 1.." + (p.maxLevel() + 1)
                    + " for these parameters: the data is corrupt or hostile");
        }
        double scale = in.f64();
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new MalformedDataException("ciphertext: scale " + scale + " is not a finite positive number: the "
                    + "data is corrupt");
        }
        int flags = in.u8();
        if ((flags & ~1) != 0) {
            throw new MalformedDataException("ciphertext: unknown flags 0x" + Integer.toHexString(flags)
                    + ": the data is corrupt or from a newer writer");
        }
        boolean seeded = (flags & 1) != 0;
        if (seeded && parts != 2) {
            throw new MalformedDataException("ciphertext: a seed-compressed ciphertext has 2 parts, not " + parts
                    + ": the data is corrupt");
        }
        int l = (int) ql;
        in.expectRemaining(bodyBytes(ring, (int) parts, l, seeded) - FIXED_BYTES,
                parts + " parts of " + l + " limbs" + (seeded ? " (seed-compressed)" : ""));
        long[][][] limbs = new long[(int) parts][][];
        limbs[0] = PolyCodec.read(in, ring, l, false, "part 0 ");
        byte[] seed = null;
        if (seeded) {
            seed = in.bytes(HecnnFormat.SEED_BYTES);
            limbs[1] = expandC1(ring, seed, l);
        } else {
            for (int i = 1; i < parts; i++) {
                limbs[i] = PolyCodec.read(in, ring, l, false, "part " + i + " ");
            }
        }
        in.expectEnd();
        PolyEngine engine = ctx.engine();
        DevicePoly[] polys = new DevicePoly[limbs.length];
        for (int i = 0; i < limbs.length; i++) {
            polys[i] = engine.upload(limbs[i], l, false);
        }
        return seeded ? Ciphertext.withSeed(ctx, polys, scale, seed) : new Ciphertext(ctx, polys, scale);
    }
}
