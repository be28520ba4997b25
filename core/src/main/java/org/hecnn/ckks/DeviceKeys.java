package org.hecnn.ckks;

import java.util.HashMap;
import java.util.Map;
import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.ring.RnsRing;
import org.hecnn.rlwe.EvaluationKeys;
import org.hecnn.rlwe.SeededKeyLimbs;
import org.hecnn.rlwe.SwitchingKey;

/**
 * Evaluation keys resident on a context's engine, with the levels each one covers. Keys can be added one at a
 * time as they are read from a stream, so a large key set never sits in memory twice.
 */
public final class DeviceKeys implements AutoCloseable {
    /** A key on the engine and the number of data limbs it covers. */
    record Entry(DeviceSwitchKey key, int dataLimbs) {
    }

    private final CkksContext context;
    private final RnsRing ring;
    private Entry relinearization;
    private final Map<Integer, Entry> galois = new HashMap<>();

    public DeviceKeys(CkksContext context) {
        this.context = context;
        this.ring = context.ring();
    }

    /** Uploads a whole key set. */
    public static DeviceKeys of(CkksContext context, EvaluationKeys keys) {
        DeviceKeys d = new DeviceKeys(context);
        if (keys != null) {
            if (keys.relinearization() != null) {
                d.addRelinearization(keys.relinearization());
            }
            keys.galois().forEach(d::addGalois);
        }
        return d;
    }

    public synchronized void addRelinearization(SwitchingKey key) {
        relinearization = upload(key);
    }

    public synchronized void addGalois(int element, SwitchingKey key) {
        galois.put(element, upload(key));
    }

    synchronized Entry relinearization() {
        return relinearization;
    }

    synchronized Entry galois(int element) {
        return galois.get(element);
    }

    CkksContext context() {
        return context;
    }

    private Entry upload(SwitchingKey key) {
        int limbs = key.dataLimbs(ring.pCount());
        if (limbs < 1 || limbs > ring.qCount() || key.digits() != ring.digitCount(limbs)) {
            throw new ParameterMismatchException("switching key has " + key.digits() + " digits over " + limbs
                    + " data limbs, which these parameters cannot have: it was made under other parameters");
        }
        return new Entry(context.engine().uploadSwitchKey(key.b(), SeededKeyLimbs.of(ring, key)), limbs);
    }

    @Override
    public synchronized void close() {
        if (relinearization != null) {
            relinearization.key().close();
        }
        galois.values().forEach(e -> e.key().close());
        galois.clear();
    }
}
