package org.hecnn.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hecnn.serving.client.LoadGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A load test of a served model of any layout: concurrent clients, each with its own keys and session, send
 * requests of CIFAR-10 or MNIST images one after another (as many images per request as the service carries unless
 * told otherwise: one, or one per slot in the batched layout); reports throughput, latency percentiles, key upload time and bytes, what overload looked like,
 * and requests lost (scripts/serving-load runs it for 1, 2, 4 and 8 clients).
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Load-test a `hecnn serve` service with concurrent clients (each its own keys).")
final class LoadCommand implements Callable<Integer> {
    @Mixin
    RemoteOptions remote;

    @Option(names = "--backend", description = "the clients' backend for keys and encryption: cpu, cuda, opencl, "
            + "reference or auto (default: ${DEFAULT-VALUE})", defaultValue = "auto")
    String backend;

    @Option(names = "--data", required = true, description = "the images (in order, wrapping around): a CIFAR-10 "
            + "binary file, or MNIST IDX images (t10k-images-idx3-ubyte[.gz]) for an MNIST model such as "
            + "models/mnist_cryptonets_pow2.onnx")
    Path data;

    @Option(names = "--images-per-request", description = "images in each request, 0: as many as the service's "
            + "requests carry (default: ${DEFAULT-VALUE})", defaultValue = "0")
    int imagesPerRequest;

    @Option(names = "--clients", description = "concurrent clients, 1-256 (default: ${DEFAULT-VALUE})",
            defaultValue = "1")
    int clients;

    @Option(names = "--requests", description = "images each client sends one after another, 1-100000 (default: "
            + "${DEFAULT-VALUE})", defaultValue = "1")
    int requests;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        if (!remote.remote()) {
            throw new InvalidOptionException("load needs --server host:port");
        }
        OptionCheck.between("--clients", clients, 1, 256, "");
        OptionCheck.between("--requests", requests, 1, 100_000, "");
        OptionCheck.between("--images-per-request", imagesPerRequest, 0, 1 << 16, "");
        java.util.function.IntFunction<double[]> images;
        InputFile.require("--data", data, ImageInput.WHERE_CIFAR);
        if (MnistIdx.isIdxImages(data)) {
            MnistIdx mnist = MnistIdx.load(data);
            images = i -> mnist.image(i % mnist.count);
        } else {
            int total = ImageInput.cifarCount(data);
            images = i -> InferCommand.flatten(ImageInput.cifar(data, i % total, ImageInput.CIFAR_MEAN,
                    ImageInput.CIFAR_STD).pixels());
        }
        LoadGenerator.Report r = new LoadGenerator(remote.server, remote.tlsCa, false, BackendChoice.select(backend),
                remote.deadline()).run(clients, requests, imagesPerRequest, images);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clients", r.clients());
        m.put("requestsPerClient", r.requestsPerClient());
        m.put("imagesPerRequest", r.imagesPerRequest());
        m.put("answered", r.answered());
        m.put("lost", r.lost());
        m.put("overloadRefusals", r.overloadRefusals());
        m.put("firstOverloadMessage", r.firstOverloadMessage());
        m.put("wallSeconds", r.wallSeconds());
        m.put("throughputPerSecond", r.throughputPerSecond());
        m.put("p50Seconds", r.p50Seconds());
        m.put("p99Seconds", r.p99Seconds());
        m.put("maxSeconds", r.maxSeconds());
        m.put("meanKeyUploadSeconds", r.meanKeyUploadSeconds());
        m.put("keyUploadBytes", r.keyUploadBytes());
        m.put("failures", r.failures());
        if (json) {
            System.out.println(Json.write(m));
        } else {
            System.out.printf(Locale.ROOT, "%d clients x %d requests of %d images: %d answered, %d lost, %d overload refusals; "
                    + "%.3f images/s; latency p50 %.2f s, p99 %.2f s, max %.2f s; key upload %.1f s and %.1f MiB per "
                    + "client%n", clients, requests, r.imagesPerRequest(), r.answered(), r.lost(), r.overloadRefusals(),
                    r.throughputPerSecond(), r.p50Seconds(), r.p99Seconds(), r.maxSeconds(), r.meanKeyUploadSeconds(),
                    r.keyUploadBytes() / 1048576.0);
            if (r.firstOverloadMessage() != null) {
                System.out.println("overload looked like: " + r.firstOverloadMessage());
            }
            r.failures().forEach(f -> System.out.println("failure: " + f));
        }
        return r.lost() == 0 ? 0 : 1;
    }
}
