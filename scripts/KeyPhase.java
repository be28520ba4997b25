import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.hecnn.backend.Backends;
import org.hecnn.backend.DeviceDecomposition;
import org.hecnn.backend.DevicePoly;
import org.hecnn.backend.DeviceSwitchKey;
import org.hecnn.backend.PolyEngine;
import org.hecnn.backend.host.HostEngine;
import org.hecnn.ckks.CkksContext;
import org.hecnn.ckks.DeviceKeys;
import org.hecnn.inference.ServiceDescription;
import org.hecnn.inference.service.InferenceClient;
import org.hecnn.inference.service.KeyFingerprint;
import org.hecnn.io.KeyCodec;
import org.hecnn.ring.Galois;
import org.hecnn.rlwe.KeyGenerator;
import org.hecnn.rlwe.SecretKey;
import org.hecnn.rlwe.SeededKeyLimbs;
import org.hecnn.rlwe.SwitchingKey;

/**
 * The parts of a key upload timed alone, in one JVM, on the CPU backend (run by scripts/key-phase):
 * "client" makes and serialises a service's evaluation keys into nothing; "server" reads a stored upload and moves
 * every key to an engine; "keyswitch" times one key switch with a key held expanded against one remade from its
 * seed, at three levels. Each repetition prints one line; the first includes JIT warm-up and fresh-page faults.
 */
public class KeyPhase {
    public static void main(String[] args) throws Exception {
        ServiceDescription d = ServiceDescription.fromBytes(Files.readAllBytes(Path.of(args[0])), false);
        int reps = Integer.parseInt(args[1]);
        Path upload = Path.of(args[3]);
        var backend = Backends.select("cpu");
        switch (args[2]) {
            case "client" -> {
                for (int r = 0; r < reps; r++) {
                    try (InferenceClient client = new InferenceClient(d, backend)) {
                        long[] bytes = new long[1];
                        long t0 = System.nanoTime();
                        client.writeEvaluationKeys(new OutputStream() {
                            @Override
                            public void write(int b) {
                                bytes[0]++;
                            }

                            @Override
                            public void write(byte[] b, int off, int len) {
                                bytes[0] += len;
                            }
                        });
                        System.out.printf("client: keys made and serialised in %.2f s (%d MiB)%n",
                                (System.nanoTime() - t0) / 1e9, bytes[0] >> 20);
                    }
                }
            }
            case "server" -> {
                if (!Files.exists(upload)) {
                    try (InferenceClient client = new InferenceClient(d, backend);
                         OutputStream out = new BufferedOutputStream(Files.newOutputStream(upload))) {
                        client.writeEvaluationKeys(out);
                    }
                }
                byte[] all = Files.readAllBytes(upload);
                for (int r = 0; r < reps; r++) {
                    try (CkksContext ctx = CkksContext.create(d.parameters(), backend);
                         var in = new BufferedInputStream(new java.io.ByteArrayInputStream(all))) {
                        in.skipNBytes(4 + KeyFingerprint.BYTES);
                        DeviceKeys keys = new DeviceKeys(ctx);
                        long t0 = System.nanoTime();
                        KeyCodec.readEvaluationKeys(ctx.parameters(), in, Long.MAX_VALUE, (role, key) -> {
                            if (role == 0) {
                                keys.addRelinearization(key);
                            } else {
                                keys.addGalois(role, key);
                            }
                        });
                        System.out.printf("server: keys read and stored in %.2f s%n", (System.nanoTime() - t0) / 1e9);
                        keys.close();
                    }
                }
            }
            case "keyswitch" -> keySwitch(d, backend, reps);
            default -> throw new IllegalArgumentException("mode: client, server or keyswitch");
        }
    }

    private static void keySwitch(ServiceDescription d, org.hecnn.backend.BackendProvider backend, int reps) {
        // An engine that keeps seeded keys (as `hecnn serve` makes them); the expanded key goes in as arrays.
        System.setProperty(HostEngine.SEEDED_KEYS, "true");
        try (CkksContext ctx = CkksContext.create(d.parameters(), backend)) {
            PolyEngine e = ctx.engine();
            var ring = ctx.ring();
            KeyGenerator kg = KeyGenerator.secure(e);
            SecretKey sk = kg.secretKey();
            int g = Galois.rotationElement(1, ring.logN());
            int top = d.parameters().maxLevel();
            for (int level : new int[] {top, top / 2, top / 8}) {
                SwitchingKey key = kg.galoisKey(sk, g, level);
                DeviceSwitchKey expanded = e.uploadSwitchKey(key.b(), KeyGenerator.expandSwitchingKeyA(ring, key));
                DeviceSwitchKey seeded = e.uploadSwitchKey(key.b(), SeededKeyLimbs.of(ring, key));
                long[][] x = new long[level + 1][ring.n()];
                SplittableRandom r = new SplittableRandom(1);
                for (int i = 0; i <= level; i++) {
                    for (int k = 0; k < ring.n(); k++) {
                        x[i][k] = r.nextLong(ring.q(i).value());
                    }
                }
                DeviceDecomposition dec = e.decompose(e.upload(x, level + 1, false));
                long[][] times = new long[2][Math.max(3, reps)];
                for (int rep = 0; rep < times[0].length; rep++) {
                    for (int w = 0; w < 2; w++) {
                        long t = System.nanoTime();
                        DevicePoly[] out = e.keySwitch(dec, w == 0 ? expanded : seeded, g);
                        times[w][rep] = System.nanoTime() - t;
                        out[0].close();
                        out[1].close();
                    }
                }
                for (int w = 0; w < 2; w++) {
                    long[] sorted = times[w].clone();
                    Arrays.sort(sorted);
                    System.out.printf("key switch at level %d, key %s: median %.2f ms of %d%n", level,
                            w == 0 ? "expanded" : "remade from its seed", sorted[sorted.length / 2] / 1e6,
                            sorted.length);
                }
            }
        }
    }
}
