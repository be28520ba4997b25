package org.hecnn.cli;

import java.util.ArrayList;
import java.util.List;
import org.hecnn.inference.EncryptedNetwork;
import org.hecnn.inference.FeatureMap;
import org.hecnn.inference.LayerProgress;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.InferenceServer;

/**
 * Both sides of the service in this process: an {@link InferenceServer} for the network and an
 * {@link InferenceClient} that knows only the server's description (passed as bytes), the keys passed through a
 * file and every request and response as bytes, as between two processes. It measures each side apart.
 */
final class LocalLink implements ServiceLink {
    private final InferenceServer server;
    private final InferenceClient client;
    private InferenceServer.Session session;
    private Timing last;

    /** @throws HeapTooSmallException if the network's planned live memory does not fit this JVM's heap */
    LocalLink(EncryptedNetwork network, org.hecnn.backend.BackendProvider backend) {
        HeapTooSmallException.requireFits(network);
        server = new InferenceServer(network);
        ServiceDescription d = ServiceDescription.fromBytes(server.description().toBytes(),
                network.context().parameters().isInsecure());
        client = new InferenceClient(d, backend);
    }

    @Override
    public ServiceDescription description() {
        return client.service();
    }

    @Override
    public String model() {
        return server.modelName();
    }

    @Override
    public boolean remote() {
        return false;
    }

    @Override
    public long openSession() {
        KeyTransfer.Opened opened = KeyTransfer.open(client, server);
        session = opened.session();
        return opened.keyBytes();
    }

    @Override
    public double[][] infer(double[][] images, LayerProgress progress, LayerValues trace) {
        long t0 = System.nanoTime();
        byte[] request = client.encrypt(images);
        long t1 = System.nanoTime();
        byte[] response = trace == null ? session.evaluate(request, progress)
                : session.evaluate(request, progress, (node, cts, map) -> trace.layer(node, n -> values(cts, map, n)));
        long t2 = System.nanoTime();
        double[][] out = client.decrypt(response, images.length);
        last = new Timing((t1 - t0) / 1e9, (t2 - t1) / 1e9, (System.nanoTime() - t2) / 1e9, request.length,
                response.length, session.lastCounts());
        return out;
    }

    /** The first n values of a traced layer output: its channel planes when they hold n values, else its slots. */
    private double[] values(byte[] cts, FeatureMap map, int n) {
        return map.channels() * map.height() * map.width() == n ? InferCommand.flatten(client.decryptLayer(cts, map))
                : client.decryptSlots(cts, n);
    }

    @Override
    public List<double[][]> inferTogether(List<double[][]> requests) {
        long t0 = System.nanoTime();
        List<byte[]> encrypted = new ArrayList<>();
        for (double[][] r : requests) {
            encrypted.add(client.encrypt(r));
        }
        long t1 = System.nanoTime();
        List<byte[]> responses = session.evaluateTogether(encrypted, LayerProgress.NONE);
        long t2 = System.nanoTime();
        List<double[][]> out = new ArrayList<>();
        for (int i = 0; i < responses.size(); i++) {
            out.add(client.decrypt(responses.get(i), requests.get(i).length));
        }
        last = new Timing((t1 - t0) / 1e9, (t2 - t1) / 1e9, (System.nanoTime() - t2) / 1e9,
                encrypted.stream().mapToLong(b -> b.length).sum(), responses.stream().mapToLong(b -> b.length).sum(),
                session.lastCounts());
        return out;
    }

    @Override
    public Timing last() {
        return last;
    }

    @Override
    public void close() {
        if (session != null) {
            session.close();
        }
        client.close();
    }
}
