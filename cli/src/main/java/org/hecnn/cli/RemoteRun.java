package org.hecnn.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.hecnn.HecnnException;
import org.hecnn.backend.BackendProvider;
import org.hecnn.inference.service.ServiceDescription;
import org.hecnn.serving.client.RemoteInference;

/**
 * `infer --server` and `eval --server`: the client side of a remote service. It makes and uploads the keys,
 * encrypts CIFAR-10 images normalised as the shipped models expect, and decrypts; it never sees the model, so it
 * reports classes and accuracy against the labels, not agreement with a plaintext model.
 */
final class RemoteRun {
    private RemoteRun() {
    }

    /** One image: class, probabilities, key upload and round-trip times. */
    static int infer(RemoteOptions remote, BackendProvider backend, Path png, Path cifar, int index, boolean json) {
        try (RemoteInference client = remote.connect(backend)) {
            ImageInput.Labelled image = read(client.description(), png, cifar, index);
            long t0 = System.nanoTime();
            long keyBytes = Phase.run("generating and uploading the evaluation keys", client::openSession);
            double keySeconds = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            double[] logits = Phase.run("evaluating on " + remote.server, () -> client.infer(image.pixels(),
                    remote.deadline()));
            double roundTrip = (System.nanoTime() - t1) / 1e9;
            double[] p = client.probabilities(logits);
            int cls = InferCommand.argMax(p);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("server", remote.server);
            m.put("model", client.model());
            m.put("class", cls);
            m.put("label", image.label());
            m.put("probabilities", p);
            m.put("keyBytes", keyBytes);
            m.put("keySeconds", keySeconds);
            m.put("roundTripSeconds", roundTrip);
            if (json) {
                System.out.println(Json.write(m));
            } else {
                System.out.printf(Locale.ROOT, "model:       %s on %s%n", client.model(), remote.server);
                System.out.printf(Locale.ROOT, "class:       %d %s%s%n", cls, name(cls, p.length),
                        image.label() >= 0 ? " (label " + image.label() + ")" : "");
                StringBuilder probs = new StringBuilder();
                for (int k = 0; k < p.length; k++) {
                    probs.append(String.format(Locale.ROOT, "%s %.3f ", name(k, p.length), p[k]));
                }
                System.out.println("probability: " + probs.toString().trim());
                System.out.printf(Locale.ROOT, "time:        keys %.2f s (%.1f MiB uploaded), encrypt + evaluate + "
                        + "decrypt %.2f s%n", keySeconds, keyBytes / 1048576.0, roundTrip);
            }
            return 0;
        }
    }

    /** A range of CIFAR-10 images: accuracy against the labels and time per image. */
    static int eval(RemoteOptions remote, BackendProvider backend, Path data, int from, Integer count, boolean json) {
        if (MnistIdx.isIdxImages(data)) {
            throw new HecnnException("eval --server takes CIFAR-10 data; a served model is a CNN (serving the MNIST "
                    + "chain layouts is not supported yet)");
        }
        int total = ImageInput.cifarCount(data);
        int n = count != null ? count : ImageRange.available(data, total, from, null);
        ImageRange.available(data, total, from, n);
        try (RemoteInference client = remote.connect(backend)) {
            requireCifar(client.description());
            Phase.run("generating and uploading the evaluation keys", client::openSession);
            Progress progress = new Progress("images");
            int correct = 0;
            double seconds = 0;
            for (int i = 0; i < n; i++) {
                ImageInput.Labelled image = ImageInput.cifar(data, from + i, ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD);
                long t = System.nanoTime();
                double[] logits = client.infer(image.pixels(), remote.deadline());
                seconds += (System.nanoTime() - t) / 1e9;
                correct += InferCommand.argMax(client.probabilities(logits)) == image.label() ? 1 : 0;
                progress.update(i + 1, n, "image " + (from + i));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("server", remote.server);
            m.put("model", client.model());
            m.put("images", n);
            m.put("accuracy", correct / (double) n);
            m.put("meanSecondsPerImage", seconds / n);
            if (json) {
                System.out.println(Json.write(m));
            } else {
                System.out.printf(Locale.ROOT, "%d images from %s on %s (%s): encrypted accuracy %.2f%%, %.2f s per "
                        + "image (round trip)%n", n, data, remote.server, client.model(), 100.0 * correct / n, seconds / n);
            }
            return 0;
        }
    }

    private static ImageInput.Labelled read(ServiceDescription d, Path png, Path cifar, int index) {
        if (png != null) {
            return ImageInput.png(InputFile.require("--image", png, ""), d.channels(), d.height(), d.width(),
                    ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD);
        }
        requireCifar(d);
        Path file = InputFile.require("--cifar", cifar != null ? cifar
                : Path.of(System.getProperty("hecnn.home", "."), InferCommand.DEFAULT_SAMPLE), ImageInput.WHERE_CIFAR);
        return ImageInput.cifar(file, index, ImageInput.CIFAR_MEAN, ImageInput.CIFAR_STD);
    }

    private static void requireCifar(ServiceDescription d) {
        if (d.channels() != 3 || d.height() != 32 || d.width() != 32) {
            throw new HecnnException("the served model takes " + d.channels() + "x" + d.height() + "x" + d.width()
                    + " inputs, not CIFAR-10's 3x32x32; give --image with a PNG of that size");
        }
    }

    private static String name(int k, int classes) {
        return classes == InferCommand.CIFAR_CLASSES.length ? InferCommand.CIFAR_CLASSES[k] : "class " + k;
    }
}
