package org.hecnn.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.CkksParameters;
import org.hecnn.ckks.Plaintext;
import org.hecnn.io.HecnnFormat.ObjectType;
import org.hecnn.ring.RnsRing;

/**
 * Encoded plaintexts. Body (type {@link ObjectType#PLAINTEXT}):
 *
 * <pre>
 * binding (36) | data limb count l u32 (1..L+1) | scale f64 (finite, &gt; 0) | polynomial over Q_{l-1}
 * </pre>
 */
public final class PlaintextCodec {
    private static final int FIXED_BYTES = HecnnFormat.BINDING_BYTES + 4 + 8;

    private PlaintextCodec() {
    }

    static long bodyBytes(RnsRing ring, int qLimbs) {
        return FIXED_BYTES + PolyCodec.bytes(ring, qLimbs, false);
    }

    public static byte[] write(Plaintext pt) {
        CkksContext ctx = pt.context();
        CkksParameters p = ctx.parameters();
        Binding.checkWritable(p);
        RnsRing ring = ctx.ring();
        if (pt.poly().hasSpecial()) {
            throw new IllegalArgumentException("a plaintext over Q·P cannot be serialised");
        }
        int ql = pt.level() + 1;
        long[][] limbs = ctx.engine().download(pt.poly());
        PolyCodec.checkShape(ring, limbs, ql, false, "plaintext");
        double scale = pt.scale();
        return Frames.frame(ObjectType.PLAINTEXT, bodyBytes(ring, ql), s -> {
            Binding.write(s, p);
            s.u32(ql);
            s.f64(scale);
            PolyCodec.write(s, ring, limbs, ql, "plaintext");
        });
    }

    public static void write(Plaintext pt, OutputStream out) throws IOException {
        out.write(write(pt));
    }

    public static Plaintext read(CkksContext ctx, byte[] data) {
        return parse(ctx, Frames.open(data, 0, ObjectType.PLAINTEXT, true).body());
    }

    public static Plaintext read(CkksContext ctx, InputStream in) throws IOException {
        byte[] frame = Frames.readFrame(in, ObjectType.PLAINTEXT,
                Frames.frameBytes(bodyBytes(ctx.ring(), ctx.parameters().maxLevel() + 1)),
                "the largest plaintext these parameters allow");
        return read(ctx, frame);
    }

    private static Plaintext parse(CkksContext ctx, ByteSource in) {
        CkksParameters p = ctx.parameters();
        Binding.check(in, p);
        RnsRing ring = ctx.ring();
        long ql = in.u32();
        if (ql < 1 || ql > p.maxLevel() + 1) {
            throw new MalformedDataException("plaintext: limb count " + ql + " is outside 1.." + (p.maxLevel() + 1)
                    + " for these parameters: the data is corrupt or hostile");
        }
        double scale = in.f64();
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new MalformedDataException("plaintext: scale " + scale + " is not a finite positive number: the "
                    + "data is corrupt");
        }
        int l = (int) ql;
        in.expectRemaining(PolyCodec.bytes(ring, l, false), l + " limbs");
        long[][] limbs = PolyCodec.read(in, ring, l, false, "");
        in.expectEnd();
        return new Plaintext(ctx, ctx.engine().upload(limbs, l, false), scale);
    }
}
