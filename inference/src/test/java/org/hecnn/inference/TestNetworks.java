package org.hecnn.inference;

import org.hecnn.inference.packed.HeNetwork;
import org.hecnn.inference.packed.LayerPlan;
import org.hecnn.inference.packed.NetworkCompiler;
import org.hecnn.inference.packed.PrecisionTargets;

/** Test helper: a test's own {@link HeNetwork} as the packed {@link EncryptedNetwork} a server serves. */
public final class TestNetworks {
    private TestNetworks() {
    }

    /**
     * The network served as the compiler would serve it, for {@code members} ensemble members; the test keeps
     * closing its network and context itself (do not close the result).
     */
    public static EncryptedNetwork packed(HeNetwork network, int members) {
        return new NetworkCompiler.Compiled(network, network.model(), "test network", members,
                PrecisionTargets.standard(), network.plan().stream().mapToLong(LayerPlan::plaintextBytes).sum());
    }
}
