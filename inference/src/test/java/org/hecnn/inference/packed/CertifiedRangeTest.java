package org.hecnn.inference.packed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.OutsideCertifiedRangeException;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.inference.TestNetworks;
import org.hecnn.inference.TestTensors;
import org.hecnn.inference.UnsupportedNetworkException;
import java.util.Random;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.TestContexts;
import org.hecnn.cnn.model.CertifiedRange;
import org.hecnn.cnn.model.Model;
import org.hecnn.cnn.model.Tensor;
import org.hecnn.cnn.plain.PlainEvaluator;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;
import org.junit.jupiter.api.Test;

/** A model's certified range sizes the output headroom and makes the client refuse results beyond it. */
class CertifiedRangeTest {
    private static CertifiedRange range(double outputMaxAbs) {
        return new CertifiedRange(100, "test:100", new double[] {1.5, 2.5}, outputMaxAbs);
    }

    @Test
    void towerReuseWidensTheOutputMarginForALargeCertifiedBound() {
        Model model = TestTensors.miniResNet(new Random(1)).withCertifiedRange(range(1000));
        PrecisionTargets t = new PrecisionTargets(24, 18, 8);
        assertTrue(t.outputCapacity() < 2000, "the default margin holds " + t.outputCapacity());
        StringBuilder why = new StringBuilder();
        PrecisionTargets fitted = NetworkCompiler.fitCertifiedRange(model, t, why);
        assertTrue(fitted.outputCapacity() > 2000, "widened to " + fitted.outputMarginBits() + " bits");
        assertEquals(t.scaleBits(), fitted.scaleBits());
        assertTrue(why.toString().contains("widened"), why.toString());
    }

    @Test
    void aBoundNoOutputPrimeHoldsIsRefusedWithTheReason() {
        Model model = TestTensors.miniResNet(new Random(1)).withCertifiedRange(range(1e12));
        UnsupportedNetworkException e = assertThrows(UnsupportedNetworkException.class,
                () -> NetworkCompiler.fitCertifiedRange(model, new PrecisionTargets(24, 18, 8), new StringBuilder()));
        assertTrue(e.getMessage().contains("certified |logit| bound"), e.getMessage());
    }

    @Test
    void modelsWithoutACertificateKeepTheirTargets() {
        Model model = TestTensors.miniResNet(new Random(1));
        PrecisionTargets t = new PrecisionTargets(24, 18, 8);
        assertEquals(t, NetworkCompiler.fitCertifiedRange(model, t, new StringBuilder()));
    }

    @Test
    void theClientRefusesResultsBeyondTheCertifiedBoundAndAcceptsThoseWithin() {
        Random r = new Random(3);
        Model plain = TestTensors.miniResNet(r);
        Tensor image = TestTensors.random(r, 1.0, 3, 8, 8);
        double largest = PlainEvaluator.evaluate(plain, image).maxAbs();
        PrecisionTargets t = new PrecisionTargets(25, 17, 8);
        // certified just above this image's logits: accepted; certified at a quarter of them: refused
        for (double certified : new double[] {largest * 0.75, largest / 4}) {
            Model model = plain.withCertifiedRange(range(certified));
            try (CkksContext ctx = TestContexts.context(TestTensors.smallParameters(t));
                 HeNetwork net = new HeNetwork(model, ctx, t, PlaintextBank.Mode.COEFFICIENTS)) {
                InferenceServer server = new InferenceServer(TestNetworks.packed(net, 1));
                ServiceDescription seen = ServiceDescription.fromBytes(server.description().toBytes(), true);
                assertEquals(2 * certified, seen.outputBound(), 0, "the description carries the bound");
                try (InferenceClient client = new InferenceClient(seen, TestContexts.backend())) {
                    InferenceServer.Session session = server.open(client.evaluationKeys());
                    byte[] response = session.evaluate(client.encrypt(TestTensors.toArray(image)), LayerProgress.NONE);
                    if (certified > largest / 2) {
                        assertEquals(5, client.decrypt(response).length);
                    } else {
                        OutsideCertifiedRangeException e = assertThrows(OutsideCertifiedRangeException.class,
                                () -> client.decrypt(response));
                        assertTrue(e.getMessage().startsWith("input outside the model's certified range"), e.getMessage());
                    }
                }
            }
        }
    }

    @Test
    void nonFiniteLogitsAreRefusedEvenWithoutACertificate() {
        assertThrows(OutsideCertifiedRangeException.class,
                () -> OutsideCertifiedRangeException.check(new double[] {1, Double.NaN}, Double.POSITIVE_INFINITY));
        assertEquals(2, OutsideCertifiedRangeException.check(new double[] {1, -3}, Double.POSITIVE_INFINITY).length);
    }
}
